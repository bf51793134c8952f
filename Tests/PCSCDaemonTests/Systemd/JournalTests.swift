import Glibc
import Testing

@testable import PCSCDaemon

@Suite struct JournalEncodingTests {
    @Test func textFields() {
        let bytes = JournalNativeProtocol.encode([
            JournalField(.message, "pcscd started"),
            JournalField(.priority, "6"),
            JournalField(.syslogIdentifier, "pcscd"),
        ])
        #expect(String(decoding: bytes, as: UTF8.self) == "MESSAGE=pcscd started\nPRIORITY=6\nSYSLOG_IDENTIFIER=pcscd\n")
    }

    @Test func multiLineValueUsesBinaryForm() {
        let bytes = JournalNativeProtocol.encode([
            JournalField(.message, "first line\nsecond line"),
            JournalField(.priority, "3"),
        ])
        let expected: [UInt8] =
            Array("MESSAGE\n".utf8)
            + [22, 0, 0, 0, 0, 0, 0, 0]
            + Array("first line\nsecond line\n".utf8)
            + Array("PRIORITY=3\n".utf8)
        #expect(bytes == expected)
    }

    @Test func lengthIsLittleEndian64Bit() {
        let value = String(repeating: "a", count: 300) + "\n"
        let bytes = JournalNativeProtocol.encode([JournalField(.message, value)])
        #expect(Array(bytes[8..<16]) == [0x2D, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(bytes.count == 8 + 8 + 301 + 1)
        #expect(bytes.last == UInt8(ascii: "\n"))
    }

    @Test func emptyValueAndEqualsSign() {
        let bytes = JournalNativeProtocol.encode([JournalField(.message, ""), JournalField(.syslogIdentifier, "a=b")])
        #expect(String(decoding: bytes, as: UTF8.self) == "MESSAGE=\nSYSLOG_IDENTIFIER=a=b\n")
    }

    @Test(arguments: ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "READER_2", "A"])
    func validFieldNames(name: String) {
        #expect(JournalFieldName(name)?.description == name)
    }

    @Test(arguments: ["", "message", "_PID", "__CURSOR", "READER-NAME", "MESSAGE=", "NAME WITH SPACE", "ÄÖ"])
    func invalidFieldNames(name: String) {
        #expect(JournalFieldName(name) == nil)
    }
}

@Suite struct JournalSocketTests {
    @Test func entryIsOneDatagram() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["journal"]) }
        let receiver = DatagramReceiver(path: directory.file("journal"))
        defer { receiver.close() }
        let fields = [JournalField(.message, "line one\nline two"), JournalField(.priority, "2")]

        let journal = try JournalSocket(path: directory.file("journal"))
        try journal.send(fields)
        #expect(receiver.receive() == JournalNativeProtocol.encode(fields))
        #expect(receiver.receive(timeoutMilliseconds: 50) == nil, "expected exactly one datagram")
    }

    @Test func missingJournalIsAnError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: []) }
        let journal = try JournalSocket(path: directory.file("journal"))

        #expect(throws: JournalSocket.Failure.system(SystemCallError(call: "sendto", errno: ENOENT))) {
            try journal.send([JournalField(.message, "lost")])
        }
    }

    @Test func oversizedEntryIsAnError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["journal"]) }
        let receiver = DatagramReceiver(path: directory.file("journal"))
        defer { receiver.close() }
        let journal = try JournalSocket(path: directory.file("journal"))

        // 16 MiB is above any default socket send buffer (Linux's default is 208 KiB).
        #expect(throws: JournalSocket.Failure.system(SystemCallError(call: "sendto", errno: EMSGSIZE))) {
            try journal.send([JournalField(.message, String(repeating: "x", count: 16 << 20))])
        }
    }

    @Test func invalidPath() {
        let long = "/tmp/" + String(repeating: "x", count: 110)
        #expect(throws: JournalSocket.Failure.invalidPath(long)) { try JournalSocket(path: long) }
        #expect(throws: JournalSocket.Failure.invalidPath("")) { try JournalSocket(path: "") }
    }
}
