import Glibc
import Testing

@testable import PCSCDaemon

/// Tests of the logger with the journal as destination, against a journal socket and a
/// standard error file in a temporary directory.
@Suite struct LoggerJournalTests {
    /// Returns the fields of a text-only entry, in order.
    func textFields(_ datagram: [UInt8]?) -> [String] {
        guard let datagram else { return [] }
        return String(decoding: datagram, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A journal socket and a standard error file in a new temporary directory.
    struct JournalAndStandardError {
        let directory = TemporaryDirectory()
        let receiver: DatagramReceiver
        let standardError: Int32

        init() {
            receiver = DatagramReceiver(path: directory.file("journal"))
            standardError = LoggerJournalTests.openStandardError(directory.file("stderr"))
        }

        func close() {
            Glibc.close(standardError)
            receiver.close()
            directory.remove(files: ["journal", "stderr"])
        }
    }

    static func openStandardError(_ path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0)
        return fd
    }

    @Test func fieldsAndPriorities() throws {
        let setup = JournalAndStandardError()
        defer { setup.close() }
        let directory = setup.directory, receiver = setup.receiver, standardError = setup.standardError

        let logger = Logger(journalSocketPath: directory.file("journal"), standardErrorFD: standardError)
        logger.configure(level: .debug, destination: .journal(fallback: .standardError(color: false)), logAPDUs: false)
        logger.debug("debug line")
        logger.info("info line")
        logger.error("error line")
        logger.critical("critical line")

        #expect(textFields(receiver.receive()) == ["MESSAGE=debug line", "PRIORITY=7", "SYSLOG_IDENTIFIER=pcscd"])
        #expect(textFields(receiver.receive()) == ["MESSAGE=info line", "PRIORITY=6", "SYSLOG_IDENTIFIER=pcscd"])
        #expect(textFields(receiver.receive()) == ["MESSAGE=error line", "PRIORITY=3", "SYSLOG_IDENTIFIER=pcscd"])
        #expect(textFields(receiver.receive()) == ["MESSAGE=critical line", "PRIORITY=2", "SYSLOG_IDENTIFIER=pcscd"])
        #expect(readFile(directory.file("stderr")) == "")
    }

    @Test func multiLineMessage() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["journal"]) }
        let receiver = DatagramReceiver(path: directory.file("journal"))
        defer { receiver.close() }

        let logger = Logger(journalSocketPath: directory.file("journal"), standardErrorFD: -1)
        logger.configure(level: .info, destination: .journal(fallback: .standardError(color: false)), logAPDUs: false)
        logger.info("Reader list:\nVirtual Reader 00 00\nVirtual Reader 01 00")

        let message = "Reader list:\nVirtual Reader 00 00\nVirtual Reader 01 00"
        let expected =
            Array("MESSAGE\n".utf8) + [UInt8(message.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(message.utf8)
            + Array("\nPRIORITY=6\nSYSLOG_IDENTIFIER=pcscd\n".utf8)
        #expect(receiver.receive() == expected)
    }

    @Test func missingJournalFallsBack() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["journal", "stderr"]) }
        let standardError = Self.openStandardError(directory.file("stderr"))
        defer { close(standardError) }

        let logger = Logger(journalSocketPath: directory.file("journal"), standardErrorFD: standardError)
        logger.configure(level: .info, destination: .journal(fallback: .standardError(color: false)), logAPDUs: false)
        logger.info("first line")
        logger.error("second line")

        let lines = readFile(directory.file("stderr")).split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(lines)")
        #expect(lines[0].hasSuffix(
            "error: Cannot send log lines to the journal at \(directory.file("journal")): sendto failed: "
                + "No such file or directory; writing the lines it does not accept to standard error"))
        #expect(lines[1].hasSuffix("info: first line"))
        #expect(lines[2].hasSuffix("error: second line"))

        // Once the journal is back, lines go there again, and a later failure is reported again.
        let receiver = DatagramReceiver(path: directory.file("journal"))
        logger.info("third line")
        #expect(textFields(receiver.receive()).first == "MESSAGE=third line")
        receiver.close()
        unlink(directory.file("journal"))
        logger.info("fourth line")
        let after = readFile(directory.file("stderr")).split(separator: "\n").map(String.init)
        try #require(after.count == 5, "\(after)")
        #expect(after[3].contains("Cannot send log lines to the journal"))
        #expect(after[4].hasSuffix("info: fourth line"))
    }

    @Test func oversizedLineFallsBack() throws {
        let setup = JournalAndStandardError()
        defer { setup.close() }
        let directory = setup.directory, receiver = setup.receiver, standardError = setup.standardError

        let logger = Logger(journalSocketPath: directory.file("journal"), standardErrorFD: standardError)
        logger.configure(level: .info, destination: .journal(fallback: .standardError(color: false)), logAPDUs: false)
        let long = String(repeating: "7F ", count: 6 << 20)
        logger.info(long)
        logger.info("short line")

        let lines = readFile(directory.file("stderr")).split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(lines.map { $0.prefix(200) })")
        #expect(lines[0].contains("sendto failed: Message too long"))
        #expect(lines[1].hasSuffix("info: " + long))
        #expect(textFields(receiver.receive()).first == "MESSAGE=short line")
    }
}
