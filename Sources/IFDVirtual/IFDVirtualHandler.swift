import Glibc
import Synchronization
import Threading
import VirtualCard
import VirtualReader

/// The IFD handler behind the exported `IFDH*` functions: one virtual card per LUN, each
/// optionally with a control socket.
///
/// pcscd opens a reader with `IFDHCreateChannelByName(Lun, "virtual:<socket path>")`
/// (DEVICENAME in reader.conf.d) or `IFDHCreateChannel(Lun, channel)`. Either way the slot
/// starts with a card in it. With a socket path, a thread serves the control protocol
/// (`ControlRequest`) on that UNIX socket as reader 0, slot 0: `insert 0`, `remove 0`,
/// `fault 0 mute [COUNT]`, `fault 0 clear` and `list`. Faults other than `mute`, `attach`
/// and `detach` are rejected, because they only make sense for CCID readers.
/// `IFDHCloseChannel` stops the thread and removes the socket file.
///
/// Thread safety: pcscd serialises its calls (TAG_IFD_THREAD_SAFE is 0), but the control
/// threads run beside them, so all slot state sits behind a `Mutex`.
public final class IFDVirtualHandler: Sendable {
    /// The instance the exported C functions use.
    public static let shared = IFDVirtualHandler()

    private let slots = Mutex<[UInt: IFDVirtualSlot]>([:])
    private let servers = Mutex<[UInt: ControlSocketServer]>([:])

    public init() {}

    // MARK: Channels

    /// Opens the reader at `lun`. `deviceName` is nil for IFDHCreateChannel, and must
    /// start with "virtual:" otherwise; the rest, when not empty, is the control socket path.
    public func createChannel(lun: UInt, deviceName: String?) -> IFDResponseCode {
        var socketPath: String?
        if let deviceName {
            guard deviceName.hasPrefix("virtual:") else {
                IFDLog.error("LUN \(lun): invalid DEVICENAME '\(deviceName)': expected virtual:<control socket path>")
                return .communicationError
            }
            let path = String(deviceName.dropFirst("virtual:".count))
            socketPath = path.isEmpty ? nil : path
        }

        let added = slots.withLock { slots in
            guard slots[lun] == nil else { return false }
            slots[lun] = IFDVirtualSlot()
            return true
        }
        guard added else {
            IFDLog.error("LUN \(lun) is already open: close it first")
            return .communicationError
        }

        guard let socketPath else { return .success }
        do throws(ControlSocketError) {
            let server = try ControlSocketServer(path: socketPath, logError: { IFDLog.error($0) }) { [self] line in
                handleControlLine(line, lun: lun)
            }
            try server.start()
            servers.withLock { $0[lun] = server }
            return .success
        } catch {
            IFDLog.error("LUN \(lun): \(error)")
            _ = slots.withLock { $0.removeValue(forKey: lun) }
            return .communicationError
        }
    }

    /// Closes the reader at `lun`: stops its control socket and drops the card state.
    public func closeChannel(lun: UInt) -> IFDResponseCode {
        // Stop the server without holding a lock: its thread may be waiting for one.
        let server = servers.withLock { $0.removeValue(forKey: lun) }
        server?.stop()

        let removed = slots.withLock { $0.removeValue(forKey: lun) }
        return removed == nil ? .noSuchDevice : .success
    }

    // MARK: Card operations

    public func capability(lun: UInt, tag: UInt) -> Result<IFDCapabilityValue, IFDResponseCode> {
        withSlot(lun) { slot in
            guard let value = IFDCapabilities.value(of: tag, lun: lun, slot: slot) else { return .failure(.errorTag) }
            return .success(value)
        }
    }

    public func setProtocolParameters(lun: UInt, protocolMask: UInt, negotiatePTS1: Bool, pts1: UInt8) -> IFDResponseCode {
        withSlot(lun) { .success($0.setProtocol(protocolMask, negotiatePTS1: negotiatePTS1, pts1: pts1)) }
            .flatten()
    }

    /// IFD_POWER_UP (500), IFD_POWER_DOWN (501) or IFD_RESET (502); returns the ATR, empty
    /// after a power-down.
    public func powerICC(lun: UInt, action: UInt) -> Result<[UInt8], IFDResponseCode> {
        withSlot(lun) { slot in
            switch action {
            case 500, 502:
                return slot.powerUp()
            case 501:
                slot.powerDown()
                return .success([])
            default:
                return .failure(.notSupported)
            }
        }
    }

    /// Processes one command. A DELAY command sleeps for its processing time, without
    /// holding the lock, before the response is returned.
    public func transmit(lun: UInt, protocolHeader: UInt, command: [UInt8]) -> Result<[UInt8], IFDResponseCode> {
        guard let transmitProtocol = IFDTransmitProtocol(headerValue: protocolHeader) else {
            return .failure(.protocolNotSupported)
        }

        let result = withSlot(lun) { $0.transmit(command, protocol: transmitProtocol) }
        if case .success(let response) = result, response.processingMilliseconds > 0 {
            MonotonicClock.sleep(milliseconds: Int(response.processingMilliseconds))
        }
        return result.map(\.bytes)
    }

    public func presence(lun: UInt) -> IFDResponseCode {
        withSlot(lun) { .success($0.presence()) }.flatten()
    }

    public func control(lun: UInt, code: UInt, input: [UInt8]) -> Result<[UInt8], IFDResponseCode> {
        withSlot(lun) { IFDControlCodes.output(code: code, input: input, state: $0.state) }
    }

    // MARK: Control protocol

    /// Processes one control protocol line for the reader at `lun` and returns the reply line.
    public func handleControlLine(_ line: String, lun: UInt) -> String {
        let request: ControlRequest
        do throws(ControlProtocolError) {
            request = try ControlRequest(parsing: line)
        } catch {
            return ControlReply.error(error.message).description
        }

        let reply = slots.withLock { slots -> ControlReply in
            guard slots[lun] != nil else { return .error("the reader is closed") }
            return Self.apply(request, to: &slots[lun]!)
        }
        if case .error(let message) = reply {
            IFDLog.error("LUN \(lun): control request '\(line)' failed: \(message)")
        }
        return reply.description
    }

    static func apply(_ request: ControlRequest, to slot: inout IFDVirtualSlot) -> ControlReply {
        switch request {
        case .insert(let target), .remove(let target), .fault(let target, _), .clearFaults(let target):
            guard target == VirtualSlotAddress(reader: 0, slot: 0) else {
                return .error("slot \(target) not found: this IFD handler serves slot 0.0 only")
            }
        case .attach:
            return .error("attach is not supported by the IFD handler: add a reader.conf.d entry instead")
        case .detach:
            return .error("detach is not supported by the IFD handler: stop pcscd or remove its reader.conf.d entry")
        case .list:
            return .listing([SlotListing(address: VirtualSlotAddress(reader: 0), state: slot.state)])
        }

        do throws(VirtualReaderError) {
            switch request {
            case .insert: try slot.insertCard()
            case .remove: try slot.removeCard()
            case .fault(_, let fault):
                guard slot.arm(fault) else {
                    return .error(
                        "fault \(fault.controlName) is not supported by the IFD handler, which has no CCID messages: use mute or clear")
                }
            case .clearFaults: slot.clearFaults()
            default: break
            }
            return .ok
        } catch {
            return .error(error.description)
        }
    }

    // MARK: Helpers

    private func withSlot<T>(_ lun: UInt, _ body: (inout IFDVirtualSlot) -> Result<T, IFDResponseCode>) -> Result<T, IFDResponseCode> {
        slots.withLock { slots in
            guard slots[lun] != nil else { return .failure(.noSuchDevice) }
            return body(&slots[lun]!)
        }
    }
}

extension Result where Success == IFDResponseCode, Failure == IFDResponseCode {
    /// Returns the code, whether the slot lookup failed or the operation returned one.
    func flatten() -> IFDResponseCode {
        switch self {
        case .success(let code), .failure(let code): code
        }
    }
}
