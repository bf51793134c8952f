import CPosix
import CSystemd
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
    /// The systemd journal, with priorities and structured fields.
    case journal
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
    }

    struct RepeatCounter {
        var windowStart: Int64
        var count: Int
    }

    public static let shared = Logger()

    private let configuration = Locked(Configuration())
    private let repeats = Locked([String: RepeatCounter]())
    private let burst = 5
    private let windowMilliseconds: Int64 = 10_000

    public func configure(level: LogLevel, destination: LogDestination, logAPDUs: Bool) {
        configuration.withLock {
            $0.level = level
            $0.destination = destination
            $0.logAPDUs = logAPDUs
        }
        if destination == .syslog {
            openlog("pcscd", LOG_PID, LOG_DAEMON)
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
        switch destination {
        case .standardError(let color):
            writeStandardError(level, text, color: color)
        case .journal:
            writeJournal(level, text)
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
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    private func writeJournal(_ level: LogLevel, _ text: String) {
        let fields = ["MESSAGE=\(text)", "PRIORITY=\(level.syslogPriority)", "SYSLOG_IDENTIFIER=pcscd"]
        var buffer: [UInt8] = []
        var ranges: [(start: Int, length: Int)] = []
        for field in fields {
            ranges.append((buffer.count, field.utf8.count))
            buffer.append(contentsOf: field.utf8)
        }
        buffer.withUnsafeMutableBytes { raw in
            var vectors = ranges.map { iovec(iov_base: raw.baseAddress! + $0.start, iov_len: $0.length) }
            _ = sd_journal_sendv(&vectors, Int32(vectors.count))
        }
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
