import Glibc

/// The name of a journal field. sd_journal_print(3) (systemd 252) requires uppercase
/// letters, digits and underscores, with no underscore first, and journald ignores fields
/// with other names. Names with a leading underscore are the trusted fields that journald
/// adds itself.
struct JournalFieldName: Equatable, Sendable, CustomStringConvertible {
    let description: String

    /// Returns nil for a name that journald would ignore.
    init?(_ name: String) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
        guard allowed, let first = name.utf8.first, first != UInt8(ascii: "_") else { return nil }
        description = name
    }

    static let message = JournalFieldName("MESSAGE")!
    static let priority = JournalFieldName("PRIORITY")!
    static let syslogIdentifier = JournalFieldName("SYSLOG_IDENTIFIER")!
}

/// One field of a journal entry.
struct JournalField: Equatable, Sendable {
    let name: JournalFieldName
    let value: [UInt8]

    init(_ name: JournalFieldName, _ value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }
}

/// The encoding of journald's native protocol (systemd's "Journal Native Protocol"
/// document), in which one datagram carries one entry.
enum JournalNativeProtocol {
    /// Encodes `fields` in order. A value without a newline is written as `NAME=value\n`.
    /// A value with a newline is written as the name, `\n`, the value's length as a 64-bit
    /// little-endian integer, the value, and `\n`.
    static func encode(_ fields: [JournalField]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            bytes.append(contentsOf: field.name.description.utf8)
            if field.value.contains(UInt8(ascii: "\n")) {
                bytes.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(field.value.count).littleEndian) { bytes.append(contentsOf: $0) }
            } else {
                bytes.append(UInt8(ascii: "="))
            }
            bytes.append(contentsOf: field.value)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}

/// A sender of entries to journald's native socket.
///
/// NOTE: an entry must fit in one datagram (about 208 KiB with Linux's default
/// `net.core.wmem_default`). libsystemd sends larger entries in a sealed memfd, which this
/// sender does not do, so `send` fails with `EMSGSIZE` for them.
final class JournalSocket: Sendable {
    static let defaultPath = "/run/systemd/journal/socket"

    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The path is empty or longer than a socket address allows (107 bytes).
        case invalidPath(String)
        case system(SystemCallError)

        var description: String {
            switch self {
            case .invalidPath(let path): "journal socket path '\(path)' is empty or longer than 107 bytes"
            case .system(let error): "\(error)"
            }
        }
    }

    let path: String
    private let address: UnixSocketAddress
    private let sender: UnixDatagramSender

    /// Opens a datagram socket for entries to `path`. A missing journal shows only when an
    /// entry is sent.
    init(path: String = defaultPath) throws(Failure) {
        guard let address = UnixSocketAddress(path: path) else { throw .invalidPath(path) }
        self.path = path
        self.address = address
        do {
            sender = try UnixDatagramSender.open()
        } catch {
            throw .system(error)
        }
    }

    deinit {
        sender.close()
    }

    /// Sends `fields` as one entry.
    func send(_ fields: [JournalField]) throws(Failure) {
        do {
            try sender.send(JournalNativeProtocol.encode(fields), to: address)
        } catch {
            throw .system(error)
        }
    }
}
