import CPosix
import Glibc
import Threading

/// Severity of a log line, ordered from most to least verbose (pcscd's -d, -i, -e, -C).
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug = 0
    case info = 1
    case error = 2
    case critical = 3

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// syslog/journal priority.
    var syslogPriority: Int32 {
        switch self {
        case .debug: LOG_DEBUG
        case .info: LOG_INFO
        case .error: LOG_ERR
        case .critical: LOG_CRIT
        }
    }

    var label: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .error: "error"
        case .critical: "critical"
        }
    }
}

/// The destination of log lines.
public enum LogDestination: Sendable, Equatable {
    /// Standard error, one line per message with a time stamp (foreground mode).
    case standardError(color: Bool)
    /// The systemd journal, with priorities and structured fields. A line that the journal
    /// socket does not accept, for example because journald is not running or the entry does
    /// not fit in one datagram, goes to `fallback`, the destination the daemon would use
    /// without a journal.
    indirect case journal(fallback: LogDestination)
    /// syslog, facility daemon.
    case syslog
}

/// The daemon's logger: a level filter, one destination, APDU logging switch and rate
/// limiting of repeated messages (the same text more than `burst` times within
/// `windowMilliseconds` is counted, then reported once when the window ends).
public final class Logger: Sendable {
    struct Configuration {
        var level: LogLevel = .error
        var destination: LogDestination = .standardError(color: false)
        var logAPDUs = false
        /// The journal socket, or the reason it could not be created. It is nil unless the
        /// destination is the journal.
        var journal: Result<JournalSocket, JournalSocket.Failure>?
        /// The failure of the last journal line, nil when it was sent. A failure like the one
        /// before is not reported again.
        var journalFailure: JournalSocket.Failure?
    }

    struct RepeatCounter {
        var windowStart: Int64
        var count: Int
    }

    public static let shared = Logger()

    private let configuration = Locked(Configuration())
    private let journalSocketPath: String
    private let standardErrorFD: Int32
    private let repeats = Locked([String: RepeatCounter]())
    private let burst = 5
    private let windowMilliseconds: Int64 = 10_000

    /// Creates a logger. The daemon uses `shared`, and tests pass their own journal socket
    /// and standard error descriptor.
    init(journalSocketPath: String = JournalSocket.defaultPath, standardErrorFD: Int32 = 2) {
        self.journalSocketPath = journalSocketPath
        self.standardErrorFD = standardErrorFD
    }

    public func configure(level: LogLevel, destination: LogDestination, logAPDUs: Bool) {
        var journal: Result<JournalSocket, JournalSocket.Failure>?
        if case .journal = destination {
            journal = Result { () throws(JournalSocket.Failure) in try JournalSocket(path: journalSocketPath) }
        }
        configuration.withLock {
            $0.level = level
            $0.destination = destination
            $0.logAPDUs = logAPDUs
            $0.journal = journal
            $0.journalFailure = nil
        }
        if destination == .syslog || destination == .journal(fallback: .syslog) {
            openlog("pcscd", LOG_PID, LOG_DAEMON)
        }
        if case .failure(let failure) = journal {
            reportJournalFailure(failure)
        }
    }

    public var logsAPDUs: Bool { configuration.withLock { $0.logAPDUs } }

    public func isEnabled(_ level: LogLevel) -> Bool {
        configuration.withLock { level >= $0.level }
    }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message) }
    public func critical(_ message: @autoclosure () -> String) { log(.critical, message) }

    /// Logs an APDU or response in hex when `--apdu` is set, whatever the level.
    public func apdu(_ label: String, _ bytes: [UInt8], reader: String) {
        guard logsAPDUs else { return }
        let text = bytes.map { hexByte($0) }.joined(separator: " ")
        write(.info, "\(label) \(reader): \(text)")
    }

    private func log(_ level: LogLevel, _ message: () -> String) {
        guard isEnabled(level) else { return }
        let text = message()
        guard let output = rateLimited(text) else { return }
        write(level, output)
    }

    /// Returns the text to print, nil to suppress it, or a summary of suppressed repeats.
    private func rateLimited(_ text: String) -> String? {
        let now = MonotonicClock.milliseconds
        return repeats.withLock { table -> String? in
            var counter = table[text] ?? RepeatCounter(windowStart: now, count: 0)
            var prefix = ""
            if now - counter.windowStart > windowMilliseconds {
                if counter.count > burst {
                    prefix = "(previous message repeated \(counter.count - burst) more times) "
                }
                counter = RepeatCounter(windowStart: now, count: 0)
            }
            counter.count += 1
            table[text] = counter
            if table.count > 1000 { table.removeAll() }
            if counter.count > burst { return nil }
            if counter.count == burst { return prefix + text + " (further repeats suppressed for 10 s)" }
            return prefix + text
        }
    }

    private func write(_ level: LogLevel, _ text: String) {
        let destination = configuration.withLock { $0.destination }
        write(level, text, to: destination)
    }

    private func write(_ level: LogLevel, _ text: String, to destination: LogDestination) {
        switch destination {
        case .standardError(let color):
            writeStandardError(level, text, color: color)
        case .journal(let fallback):
            writeJournal(level, text, fallback: fallback)
        case .syslog:
            text.withCString { cposix_syslog(level.syslogPriority, $0) }
        }
    }

    private func writeStandardError(_ level: LogLevel, _ text: String, color: Bool) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var broken = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &broken)
        let stamp = pad(Int(broken.tm_hour)) + ":" + pad(Int(broken.tm_min)) + ":" + pad(Int(broken.tm_sec))
            + "." + pad(Int(now.tv_nsec / 1_000_000), width: 3)
        var line = "\(stamp) pcscd[\(getpid())] \(level.label): \(text)\n"
        if color {
            let code = switch level {
            case .debug: "\u{1B}[36m"
            case .info: "\u{1B}[34m"
            case .error: "\u{1B}[35m"
            case .critical: "\u{1B}[31m"
            }
            line = code + line.dropLast() + "\u{1B}[0m\n"
        }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(standardErrorFD, $0.baseAddress, $0.count) }
    }

    /// Sends the line to the journal, or writes it to `fallback` when that fails. The failure
    /// is reported on `fallback` too, unless the line before failed the same way.
    private func writeJournal(_ level: LogLevel, _ text: String, fallback: LogDestination) {
        let fields = [
            JournalField(.message, text),
            JournalField(.priority, String(level.syslogPriority)),
            JournalField(.syslogIdentifier, "pcscd"),
        ]
        guard let journal = configuration.withLock({ $0.journal }) else {
            write(level, text, to: fallback)
            return
        }
        do throws(JournalSocket.Failure) {
            try journal.get().send(fields)
            configuration.withLock { $0.journalFailure = nil }
        } catch {
            reportJournalFailure(error)
            write(level, text, to: fallback)
        }
    }

    /// Writes a line about a journal failure to the fallback destination, unless the line
    /// before failed the same way.
    private func reportJournalFailure(_ failure: JournalSocket.Failure) {
        let (isRepeat, destination) = configuration.withLock { state in
            let isRepeat = state.journalFailure == failure
            state.journalFailure = failure
            return (isRepeat, state.destination)
        }
        guard !isRepeat, case .journal(let fallback) = destination else { return }
        let fallbackName = switch fallback {
        case .standardError: "standard error"
        case .syslog: "syslog"
        case .journal: "the journal"
        }
        write(
            .error,
            "Cannot send log lines to the journal at \(journalSocketPath): \(failure); "
                + "writing the lines it does not accept to \(fallbackName)",
            to: fallback)
    }
}

let log = Logger.shared

private func pad(_ value: Int, width: Int = 2) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

func hexByte(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return byte < 16 ? "0" + digits : digits
}
