import PCSCWire

/// Everything the command line can set.
public struct DaemonOptions: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Run the daemon.
        case run
        /// Print the help text and exit.
        case help
        /// Print the version and exit.
        case version
        /// Ask the running daemon to rescan USB readers, then exit.
        case hotplug
    }

    public var action = Action.run
    public var foreground = false
    public var logLevel = LogLevel.error
    public var logAPDUs = false
    public var color = false
    /// Reader configuration directory or file (`-c`); serial readers are not supported,
    /// so it is only checked for readability.
    public var configPath: String?
    public var limits = ClientLimits()
    /// Exit after this many milliseconds without a client connection; nil to run forever.
    public var autoExitMilliseconds: Int?
    public var readerNameWithoutSerial = false
    public var readerNameWithoutInterface = false
    /// Rescan USB every this many seconds even when hotplug events work.
    public var forcedPollingSeconds: Int?
    public var disablePolkit = false
    /// Virtual CCID readers to create at start-up.
    public var virtualReaders = 0
    /// The UNIX socket path of the virtual reader control protocol.
    public var virtualControlPath: String?
    /// Exchange mode of the virtual readers created at start-up.
    public var virtualMode = "tpdu-t1"
    /// How long a connection thread polls for the client's next request before it sleeps,
    /// in microseconds; 0 turns polling off.
    public var busyPollMicroseconds = RequestPolling.defaultWindowMicroseconds

    public init() {}

    /// Default idle time before `--auto-exit` ends the daemon, as pcsc-lite.
    public static let defaultAutoExitSeconds = 60
}

/// A command-line error; its message names the option and value and what to do.
public struct OptionError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension DaemonOptions {
    /// Parses `arguments` (without the program name). Long options accept `--name=value`
    /// and `--name value`; short options accept `-t 5` and `-t5`; flags combine (`-fd`).
    public static func parse(_ arguments: [String]) throws(OptionError) -> DaemonOptions {
        var options = DaemonOptions()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument.hasPrefix("--") {
                try options.applyLong(argument, remaining: &remaining)
            } else if argument.hasPrefix("-") && argument.count > 1 {
                try options.applyShortGroup(argument, remaining: &remaining)
            } else {
                throw OptionError(message: "unexpected argument '\(argument)'; pcscd takes options only (see --help)")
            }
        }
        return options
    }

    private mutating func applyLong(_ argument: String, remaining: inout ArraySlice<String>) throws(OptionError) {
        let body = argument.dropFirst(2)
        let name: String
        var inlineValue: String?
        if let equals = body.firstIndex(of: "=") {
            name = String(body[..<equals])
            inlineValue = String(body[body.index(after: equals)...])
        } else {
            name = String(body)
        }

        func required() throws(OptionError) -> String {
            if let inlineValue { return inlineValue }
            guard let next = remaining.popFirst() else {
                throw OptionError(message: "option --\(name) needs a value")
            }
            return next
        }
        func noValue() throws(OptionError) {
            if inlineValue != nil {
                throw OptionError(message: "option --\(name) takes no value")
            }
        }

        switch name {
        case "apdu": try noValue(); logAPDUs = true
        case "config": configPath = try Self.path(try required(), option: "--config")
        case "foreground": try noValue(); foreground = true
        case "color": try noValue(); color = true
        case "help": try noValue(); action = .help
        case "hotplug": try noValue(); action = .hotplug
        case "version": try noValue(); action = .version
        case "debug": try noValue(); logLevel = .debug
        case "info": try noValue(); logLevel = .info
        case "error": try noValue(); logLevel = .error
        case "critical": try noValue(); logLevel = .critical
        case "max-thread":
            limits.maxConnections = try Self.count(try required(), option: "--max-thread")
        case "max-card-handle-per-thread":
            limits.maxHandlesPerConnection = try Self.count(try required(), option: "--max-card-handle-per-thread")
        case "max-card-handle-per-reader":
            limits.maxHandlesPerReader = try Self.count(try required(), option: "--max-card-handle-per-reader")
        case "auto-exit":
            autoExitMilliseconds = try inlineValue.map { value throws(OptionError) in
                try Self.milliseconds(value, option: "--auto-exit")
            } ?? Self.defaultAutoExitSeconds * 1000
        case "reader-name-no-serial": try noValue(); readerNameWithoutSerial = true
        case "reader-name-no-interface": try noValue(); readerNameWithoutInterface = true
        case "force-reader-polling":
            forcedPollingSeconds = try inlineValue.map { value throws(OptionError) in
                try Self.count(value, option: "--force-reader-polling")
            } ?? 1
        case "disable-polkit": try noValue(); disablePolkit = true
        case "busy-poll":
            busyPollMicroseconds = try Self.count(
                try required(), option: "--busy-poll", minimum: 0, maximum: BusyPoll.maximumWindowMicroseconds)
        case "virtual-readers":
            virtualReaders = try Self.count(try required(), option: "--virtual-readers", minimum: 0, maximum: 64)
        case "virtual-control": virtualControlPath = try Self.path(try required(), option: "--virtual-control")
        case "virtual-mode":
            let mode = try required()
            guard Self.virtualModes.contains(mode) else {
                throw OptionError(
                    message: "invalid --virtual-mode '\(mode)'; use one of: \(Self.virtualModes.joined(separator: ", "))")
            }
            virtualMode = mode
        default:
            throw OptionError(message: "unknown option --\(name) (see --help)")
        }
    }

    private mutating func applyShortGroup(_ argument: String, remaining: inout ArraySlice<String>) throws(OptionError) {
        var letters = argument.dropFirst()
        while let letter = letters.popFirst() {
            func value() throws(OptionError) -> String {
                if !letters.isEmpty {
                    defer { letters.removeAll() }
                    return String(letters)
                }
                guard let next = remaining.popFirst() else {
                    throw OptionError(message: "option -\(letter) needs a value")
                }
                return next
            }

            switch letter {
            case "a": logAPDUs = true
            case "c": configPath = try Self.path(try value(), option: "-c")
            case "f": foreground = true
            case "T": color = true
            case "h": action = .help
            case "H": action = .hotplug
            case "v": action = .version
            case "d": logLevel = .debug
            case "i": logLevel = .info
            case "e": logLevel = .error
            case "C": logLevel = .critical
            case "t": limits.maxConnections = try Self.count(try value(), option: "-t")
            case "s": limits.maxHandlesPerConnection = try Self.count(try value(), option: "-s")
            case "r": limits.maxHandlesPerReader = try Self.count(try value(), option: "-r")
            case "x":
                // `-x=0.3` and `-x0.3` would otherwise fail as unknown options `-=` or `-0`.
                if let next = letters.first, next == "=" || next.isNumber || next == "." {
                    throw OptionError(message: "option -x takes no value; use --auto-exit=SECONDS for another idle time")
                }
                autoExitMilliseconds = Self.defaultAutoExitSeconds * 1000
            case "S": readerNameWithoutSerial = true
            case "I": readerNameWithoutInterface = true
            default:
                throw OptionError(message: "unknown option -\(letter) (see --help)")
            }
        }
    }

    /// Parses a decimal count within a range.
    static func count(_ text: String, option: String, minimum: Int = 1, maximum: Int = 1_000_000) throws(OptionError) -> Int {
        guard let value = Int(text), value >= minimum, value <= maximum else {
            throw OptionError(
                message: "invalid value '\(text)' for \(option); give a whole number from \(minimum) to \(maximum)")
        }
        return value
    }

    /// Accepts a non-empty path.
    static func path(_ text: String, option: String) throws(OptionError) -> String {
        guard !text.isEmpty else { throw OptionError(message: "option \(option) needs a path, not an empty value") }
        return text
    }

    /// Parses a duration in seconds with up to three decimals ("2", "0.25") into
    /// milliseconds, from 1 ms to one day.
    static func milliseconds(_ text: String, option: String) throws(OptionError) -> Int {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let invalid = OptionError(
            message: "invalid value '\(text)' for \(option); give seconds from 0.001 to 86400, for example 60 or 0.5")
        guard let whole = Int(parts[0]), whole >= 0, parts[0].allSatisfy({ $0.isNumber }) else { throw invalid }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isNumber }), let value = Int(digits) else {
                throw invalid
            }
            fraction = value * [100, 10, 1][digits.count - 1]
        }
        let total = whole * 1000 + fraction
        guard total >= 1, total <= 86_400_000 else { throw invalid }
        return total
    }

    static let virtualModes = ["tpdu-t0", "tpdu-t1", "short-apdu", "extended-apdu"]

    public static let helpText = """
        Usage: pcscd [OPTION]...
        PC/SC smart card daemon (Swift implementation, wire protocol 4:4, 4:5 and 4:6).

          -f, --foreground        stay in the foreground and log to standard error
          -d, --debug             log level: debug (everything)
          -i, --info              log level: info
          -e, --error             log level: error (the default)
          -C, --critical          log level: critical only
          -a, --apdu              log every APDU and response, in hex, at any level
          -T, --color             colour the log lines on standard error
          -c, --config PATH       reader configuration directory or file; it must be
                                  readable, and its serial readers are reported and
                                  ignored (this daemon loads no IFD handlers)
          -t, --max-thread N      maximum simultaneous client connections (default 200)
          -s, --max-card-handle-per-thread N
                                  maximum card handles per client connection (default 200)
          -r, --max-card-handle-per-reader N
                                  maximum card handles per reader (default 200)
          -x, --auto-exit[=SECONDS]
                                  exit after SECONDS without any client connection
                                  (-x: 60; decimals allowed, such as --auto-exit=0.5)
          -S, --reader-name-no-serial
                                  leave the USB serial number out of reader names
          -I, --reader-name-no-interface
                                  leave the USB interface name out of reader names
              --force-reader-polling[=SECONDS]
                                  rescan USB every SECONDS even with hotplug events
                                  (default 1 second)
              --disable-polkit    accepted for compatibility; this daemon does not use polkit
              --busy-poll=MICROSECONDS
                                  after each reply, poll the client's socket this long
                                  before sleeping (default 50, 0 to 10000; 0 turns it off)
          -H, --hotplug           ask the running daemon to rescan USB readers, then exit
              --virtual-readers=N add N virtual USB CCID readers, each with a card (0-64)
              --virtual-mode=MODE exchange level of the virtual readers: tpdu-t0, tpdu-t1
                                  (default), short-apdu or extended-apdu
              --virtual-control=PATH
                                  serve the virtual reader control protocol on this UNIX
                                  socket (insert, remove, attach, detach, fault, list)
          -v, --version           print the version and exit
          -h, --help              print this help and exit

        Environment: PCSCLITE_CSOCK_NAME sets the socket path (default /run/pcscd/pcscd.comm).
        """
}
