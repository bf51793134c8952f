import CPCSC
import Glibc
import IFDVirtual
import Testing
import VirtualCard

@Suite struct IFDVirtualHandlerTests {
    @Test func channelLifecycle() {
        let handler = IFDVirtualHandler()
        #expect(handler.createChannel(lun: 0, deviceName: nil) == .success)
        #expect(handler.createChannel(lun: 0, deviceName: nil) == .communicationError)
        #expect(handler.presence(lun: 0) == .iccPresent)
        #expect(handler.closeChannel(lun: 0) == .success)
        #expect(handler.presence(lun: 0) == .noSuchDevice)
        #expect(handler.closeChannel(lun: 0) == .noSuchDevice)
    }

    @Test func invalidDeviceName() {
        let handler = IFDVirtualHandler()
        #expect(handler.createChannel(lun: 0, deviceName: "usb:1209/0001") == .communicationError)
        #expect(handler.createChannel(lun: 0, deviceName: "virtual:") == .success)
    }

    @Test func powerAndTransmit() throws {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        #expect(handler.transmit(lun: 0, protocolHeader: 1, command: hexBytes("00 A4 00 0C")) == .failure(.communicationError))
        #expect(try handler.powerICC(lun: 0, action: 500).get() == CardATR.bytes)
        #expect(handler.setProtocolParameters(lun: 0, protocolMask: 2, negotiatePTS1: false, pts1: 0) == .success)

        let t1 = try handler.transmit(lun: 0, protocolHeader: 1, command: hexBytes("80 12 00 00 00")).get()
        #expect(t1.count == 258)
        let t0 = try handler.transmit(lun: 0, protocolHeader: 0, command: hexBytes("00 84 00 00 00")).get()
        #expect(t0 == hexBytes("6C 08"))
        let raw = try handler.transmit(lun: 0, protocolHeader: 4, command: hexBytes("80 10 00 00 01 AA")).get()
        #expect(raw == hexBytes("AA 90 00"))
        #expect(handler.transmit(lun: 0, protocolHeader: 8, command: []) == .failure(.protocolNotSupported))

        #expect(try handler.powerICC(lun: 0, action: 501).get() == [])
        #expect(handler.powerICC(lun: 0, action: 503) == .failure(.notSupported))
    }

    @Test func protocolParameters() throws {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        #expect(handler.setProtocolParameters(lun: 0, protocolMask: 2, negotiatePTS1: false, pts1: 0) == .communicationError)
        _ = handler.powerICC(lun: 0, action: 500)
        #expect(handler.setProtocolParameters(lun: 0, protocolMask: 1, negotiatePTS1: true, pts1: 0x96) == .success)
        #expect(handler.setProtocolParameters(lun: 0, protocolMask: 1, negotiatePTS1: true, pts1: 0x97) == .ptsFailure)
        #expect(handler.setProtocolParameters(lun: 0, protocolMask: 4, negotiatePTS1: false, pts1: 0) == .protocolNotSupported)
    }

    @Test func delaySleeps() throws {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        _ = handler.powerICC(lun: 0, action: 500)
        let start = MonotonicMilliseconds.now
        #expect(try handler.transmit(lun: 0, protocolHeader: 1, command: hexBytes("80 14 00 96")).get() == [0x90, 0x00])
        #expect(MonotonicMilliseconds.now - start >= 145)
    }

    @Test func capabilities() throws {
        let handler = IFDVirtualHandler()
        let lun: UInt = 0x0002_0000
        _ = handler.createChannel(lun: lun, deviceName: nil)
        #expect(try handler.capability(lun: lun, tag: 0x0303).get().bytes == [])
        _ = handler.powerICC(lun: lun, action: 500)

        #expect(try handler.capability(lun: lun, tag: 0x0303).get().bytes == CardATR.bytes)
        #expect(try handler.capability(lun: lun, tag: 0x0009_0303).get().bytes == CardATR.bytes)
        #expect(try handler.capability(lun: lun, tag: 0x0FAE).get().bytes == [1])
        #expect(try handler.capability(lun: lun, tag: 0x0FAF).get().bytes == [16])
        #expect(try handler.capability(lun: lun, tag: 0x0FAD).get().bytes == [0])
        #expect(try handler.capability(lun: lun, tag: 0x0001_0100).get().bytes == Array("swift-pcsc\0".utf8))
        #expect(try handler.capability(lun: lun, tag: 0x0001_0102).get().bytes == [0, 0, 0, 1])
        #expect(try handler.capability(lun: lun, tag: 0x0001_0103).get().bytes == Array("VC0002\0".utf8))
        #expect(try handler.capability(lun: lun, tag: 0x0002_0110).get().bytes == [3, 0, 0x20, 0])
        #expect(try handler.capability(lun: lun, tag: 0x0007_A007).get().bytes == [5, 1, 0, 0])
        #expect(try handler.capability(lun: lun, tag: 0x0009_0300).get().bytes == [2])
        #expect(try handler.capability(lun: lun, tag: 0x0009_0301).get().bytes == [1])
        #expect(handler.capability(lun: lun, tag: 0x0FB3) == .failure(.errorTag))
        #expect(handler.capability(lun: lun, tag: 0x0003_0125) == .failure(.errorTag))
    }

    @Test func controlCodes() throws {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        let features = try handler.control(lun: 0, code: 0x4200_0D48, input: []).get()
        #expect(hexText(features) == "06 04 42 33 00 06 07 04 42 33 00 07 0A 04 42 33 00 0A 12 04 42 33 00 12")
        #expect(try handler.control(lun: 0, code: 0x0031_3520, input: []).get() == features)
        #expect(try handler.control(lun: 0, code: 0x4233_000A, input: []).get() == [0, 0, 7, 0])
        let properties = try handler.control(lun: 0, code: 0x4233_0012, input: []).get()
        #expect(hexText(properties) == "01 02 00 00 03 01 00 09 01 00 0B 02 09 12 0C 02 01 00 0A 04 00 00 01 00")
        #expect(handler.control(lun: 0, code: 0x4200_0001, input: [1]) == .failure(.errorNotSupported))

        let apdu = hexBytes("00 20 00 01 08 FF FF FF FF FF FF FF FF")
        let verify = [0x00, 0x00, 0x82, 0x08, 0x00, 0x04, 0x08, 0x02, 0x01, 0x09, 0x04, 0x00, 0, 0, 0]
            + [UInt8(apdu.count), 0, 0, 0] + apdu
        #expect(handler.control(lun: 0, code: 0x4233_0006, input: verify) == .failure(.communicationError))
        _ = handler.powerICC(lun: 0, action: 500)
        #expect(try handler.control(lun: 0, code: 0x4233_0006, input: verify).get() == [0x90, 0x00])
        #expect(handler.control(lun: 0, code: 0x4233_0006, input: Array(verify.dropLast())) == .failure(.notSupported))
    }

    @Test func removalSeenOnceEvenWhenReinserted() {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        #expect(handler.handleControlLine("remove 0", lun: 0) == "ok")
        #expect(handler.handleControlLine("insert 0", lun: 0) == "ok")
        #expect(handler.presence(lun: 0) == .iccNotPresent)
        #expect(handler.presence(lun: 0) == .iccPresent)
    }

    @Test func controlLinesInSequence() {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        let exchanges = [
            ("list", "ok 0.0=present"),
            ("insert 0", "error slot 0 already holds a card: remove it first"),
            ("remove 0.0", "ok"),
            ("remove 0", "error slot 0 holds no card: insert one first"),
            ("list", "ok 0.0=absent"),
            ("insert 1", "error slot 1.0 not found: this IFD handler serves slot 0.0 only"),
            ("fault 0.1 mute", "error slot 0.1 not found: this IFD handler serves slot 0.0 only"),
            ("fault 0 stale-seq",
             "error fault stale-seq is not supported by the IFD handler, which has no CCID messages: use mute or clear"),
            ("attach", "error attach is not supported by the IFD handler: add a reader.conf.d entry instead"),
            ("detach 0", "error detach is not supported by the IFD handler: stop pcscd or remove its reader.conf.d entry"),
            ("bogus", "error unknown request 'bogus': expected one of insert, remove, attach, detach, fault, list"),
        ]
        for (line, reply) in exchanges {
            #expect(handler.handleControlLine(line, lun: 0) == reply, "\(line)")
        }
    }

    @Test func muteFault() throws {
        let handler = IFDVirtualHandler()
        _ = handler.createChannel(lun: 0, deviceName: nil)
        #expect(handler.handleControlLine("fault 0 mute 1", lun: 0) == "ok")
        #expect(handler.powerICC(lun: 0, action: 500) == .failure(.powerActionFailed))
        #expect(try handler.powerICC(lun: 0, action: 500).get() == CardATR.bytes)
        #expect(handler.handleControlLine("fault 0 mute", lun: 0) == "ok")
        #expect(handler.powerICC(lun: 0, action: 502) == .failure(.powerActionFailed))
        #expect(handler.handleControlLine("fault 0 clear", lun: 0) == "ok")
        #expect(try handler.powerICC(lun: 0, action: 502).get() == CardATR.bytes)
    }

    @Test func controlSocketServesLines() throws {
        let handler = IFDVirtualHandler()
        let path = "/tmp/ifdvirtual-test-\(getpid())-serve.sock"
        #expect(handler.createChannel(lun: 0, deviceName: "virtual:" + path) == .success)

        let client = try LineClient(path: path)
        #expect(try client.request("list") == "ok 0.0=present")
        #expect(try client.request("remove 0") == "ok")
        #expect(handler.presence(lun: 0) == .iccNotPresent)
        #expect(try client.request("insert 0\r") == "ok")
        #expect(try client.request("bogus 1") == "error unknown request 'bogus': expected one of insert, remove, attach, detach, fault, list")
        #expect(try LineClient(path: path).request("list") == "ok 0.0=present")

        #expect(handler.closeChannel(lun: 0) == .success)
        #expect(access(path, F_OK) != 0)
    }

    @Test func controlSocketReplacesStaleFile() throws {
        let path = "/tmp/ifdvirtual-test-\(getpid())-stale.sock"
        let first = IFDVirtualHandler()
        #expect(first.createChannel(lun: 0, deviceName: "virtual:" + path) == .success)
        let second = IFDVirtualHandler()
        #expect(second.createChannel(lun: 0, deviceName: "virtual:" + path) == .communicationError)
        _ = first.closeChannel(lun: 0)

        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = unixAddress(path)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        #expect(access(path, F_OK) == 0)
        #expect(second.createChannel(lun: 0, deviceName: "virtual:" + path) == .success)
        _ = second.closeChannel(lun: 0)
    }

    @Test func controlSocketKeepsRegularFile() throws {
        let path = "/tmp/ifdvirtual-test-\(getpid())-regular"
        let file = fopen(path, "w")
        fclose(file)
        defer { unlink(path) }
        let handler = IFDVirtualHandler()
        #expect(handler.createChannel(lun: 0, deviceName: "virtual:" + path) == .communicationError)
        #expect(access(path, F_OK) == 0)
    }
}

@Suite struct IFDVirtualExportTests {
    @Test func getCapabilitiesBufferRules() {
        let lun: DWORD = 0x00FF_0000
        #expect(ifdhCreateChannel(lun, 0) == 0)
        defer { _ = ifdhCloseChannel(lun) }

        var length: DWORD = 4
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(ifdhGetCapabilities(lun, 0x0001_0100, &length, &buffer) == 0)
        #expect(length == 4)
        #expect(Array(buffer[..<4]) == Array("swif".utf8))

        var atrLength: DWORD = 33
        var atr = [UInt8](repeating: 0, count: 33)
        #expect(ifdhPowerICC(lun, 500, &atr, &atrLength) == 0)
        #expect(Array(atr[..<Int(atrLength)]) == CardATR.bytes)

        length = 4
        #expect(ifdhGetCapabilities(lun, 0x0303, &length, &buffer) == 618)
        length = 64
        #expect(ifdhGetCapabilities(lun, 0x0303, &length, &buffer) == 0)
        #expect(length == 20)
        #expect(ifdhGetCapabilities(lun, 0x1234, &length, &buffer) == 600)
    }

    @Test func transmitBufferRules() {
        let lun: DWORD = 0x00FE_0000
        _ = ifdhCreateChannel(lun, 0)
        defer { _ = ifdhCloseChannel(lun) }
        var atrLength: DWORD = 33
        var atr = [UInt8](repeating: 0, count: 33)
        _ = ifdhPowerICC(lun, 500, &atr, &atrLength)

        var command = hexBytes("80 12 00 00 00")
        var response = [UInt8](repeating: 0, count: 300)
        var responseLength: DWORD = 300
        var received = SCARD_IO_HEADER(Protocol: 7, Length: 16)
        let header = SCARD_IO_HEADER(Protocol: 1, Length: 0)
        #expect(ifdhTransmitToICC(lun, header, &command, DWORD(command.count), &response, &responseLength, &received) == 0)
        #expect(responseLength == 258)
        // The receive PCI comes back as pcscd passed it, as libccid leaves it.
        #expect(received.Protocol == 7)
        #expect(received.Length == 16)

        responseLength = 100
        #expect(ifdhTransmitToICC(lun, header, &command, DWORD(command.count), &response, &responseLength, &received) == 618)

        var controlLength: DWORD = 0
        #expect(ifdhControl(lun, 0x4200_0D48, nil, 0, &response, 10, &controlLength) == 618)
        #expect(ifdhControl(lun, 0x4200_0D48, nil, 0, &response, 300, &controlLength) == 0)
        #expect(controlLength == 24)
        #expect(ifdhICCPresence(lun) == 615)
        #expect(ifdhSetCapabilities(lun, 0x0FB4, 1, &response) == 614)
    }
}

/// A blocking client of a line protocol on a UNIX socket.
struct LineClient {
    let socketFD: Int32

    init(path: String) throws {
        socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw LineClientError(message: "connect to \(path) failed: errno \(errno)") }
    }

    /// Sends one line and returns the reply line without its newline.
    func request(_ line: String) throws -> String {
        let bytes = Array((line + "\n").utf8)
        guard write(socketFD, bytes, bytes.count) == bytes.count else { throw LineClientError(message: "write failed") }

        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while read(socketFD, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: reply, as: UTF8.self) }
            reply.append(byte)
        }
        throw LineClientError(message: "connection closed before the reply line ended")
    }
}

struct LineClientError: Error {
    var message: String
}

func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        let bytes = Array(path.utf8)
        buffer.copyBytes(from: bytes)
        buffer[bytes.count] = 0
    }
    return address
}
