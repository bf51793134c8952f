import Glibc
import PCSCTypes

/// The daemon's entry point and start-up sequence.
public enum DaemonMain {
    public static let projectName = "swift-pcsc"
    public static let version = "0.1.0"
    /// The pcsc-lite API level this daemon matches.
    public static let pcscLiteVersion = "1.9.9"
    public static let defaultSocketPath = "/run/pcscd/pcscd.comm"
    public static let defaultPIDFilePath = "/run/pcscd/pcscd.pid"

    /// Parses the command line and runs; returns the process exit status.
    public static func run(arguments: [String]) -> Int32 {
        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(arguments)
        } catch {
            writeStandardError("pcscd: \(error)\n")
            return 2
        }

        switch options.action {
        case .help:
            print(DaemonOptions.helpText)
            return 0
        case .version:
            print(versionText)
            return 0
        case .hotplug:
            return requestRescan()
        case .run:
            return start(options)
        }
    }

    /// The version text. "libsystemd" in the feature list is pcsc-lite's name for socket
    /// activation and journal logging, which this daemon implements without the library.
    static var versionText: String {
        """
        pcscd (\(projectName)) \(version)
        A PC/SC daemon in Swift, compatible with pcsc-lite \(pcscLiteVersion) clients
        (wire protocol 4:4, 4:5 and 4:6), with a native USB CCID driver.
        Enabled features: Linux libsystemd usb libusb-1.0 virtual-readers ipcdir=/run/pcscd
        MAX_READERNAME: \(PCSCLimits.maxReaderName)
        """
    }

    /// `$PCSCLITE_CSOCK_NAME`, or the default path when the variable is not set. An empty
    /// value is kept (and rejected at start-up): the client library would use it as given.
    static var socketPath: String {
        if let path = getenv("PCSCLITE_CSOCK_NAME") {
            return String(cString: path)
        }
        return defaultSocketPath
    }

    /// The pid file sits beside the socket: /run/pcscd/pcscd.pid for the default socket,
    /// `<socket>.pid` for a socket set with PCSCLITE_CSOCK_NAME.
    static var pidFilePath: String {
        socketPath == defaultSocketPath ? defaultPIDFilePath : socketPath + ".pid"
    }

    private static func start(_ options: DaemonOptions) -> Int32 {
        configureLogging(options)
        Server.blockSignals()

        let path = socketPath
        guard !path.isEmpty else {
            log.critical("PCSCLITE_CSOCK_NAME is set but empty; unset it or give the socket path")
            writeStandardErrorIfDetached(options, "pcscd: PCSCLITE_CSOCK_NAME is set but empty\n")
            return 2
        }
        if let configPath = options.configPath, let problem = ReaderConfiguration.problem(with: configPath) {
            log.critical(problem)
            writeStandardErrorIfDetached(options, "pcscd: \(problem)\n")
            return 1
        }
        let listener: ListeningSocket
        do throws(ListenError) {
            // No `??` here: its autoclosure throws an untyped error, which Embedded Swift lacks.
            if let inherited = try ListeningSocket.inherited(path: path) {
                listener = inherited
            } else {
                listener = try ListeningSocket.create(path: path)
            }
        } catch {
            log.critical("Cannot listen: \(error)")
            writeStandardErrorIfDetached(options, "pcscd: cannot listen: \(error)\n")
            return 1
        }

        var readiness: Daemonizer?
        if !options.foreground {
            readiness = Daemonizer.detach()
            if readiness == nil { return 1 }
        }

        let pidFile = listener.isInherited ? nil : PIDFile(path: pidFilePath)
        pidFile?.write()

        let daemon = Daemon(
            limits: options.limits, requestPolling: RequestPolling(windowMicroseconds: options.busyPollMicroseconds))
        let readers = ReaderManager(daemon: daemon, options: options)
        // Stops the readers and removes the files this daemon created, at exit.
        func cleanUp() {
            readers.stop()
            pidFile?.remove()
            if !listener.isInherited { listener.removeCreatedFile() }
        }
        if let problem = readers.start() {
            log.critical(problem)
            cleanUp()
            readiness?.reportFailure("pcscd: \(problem)\n")
            return 1
        }

        let server = Server(
            daemon: daemon, listener: listener, autoExitMilliseconds: options.autoExitMilliseconds,
            onRescan: { readers.rescan() })
        log.info(
            "pcscd \(version) started on \(path)\(listener.isInherited ? " (socket from systemd)" : ""), "
                + "\(daemon.registry.readerCount) reader(s)")
        readiness?.reportSuccess()
        notifyServiceManager(.ready)

        let status = server.run()

        notifyServiceManager(.stopping)
        cleanUp()
        log.info("pcscd stopped")
        return status
    }

    /// Tells systemd about `notification` when it started the daemon with `$NOTIFY_SOCKET`
    /// (`Type=notify`). A failure is logged, and the daemon goes on.
    private static func notifyServiceManager(_ notification: ServiceNotification) {
        do {
            try ServiceManagerNotifier.notify([notification])
        } catch {
            log.error("Cannot send \(notification.assignment) to the service manager: \(error)")
        }
    }

    private static func configureLogging(_ options: DaemonOptions) {
        let withoutJournal: LogDestination = options.foreground ? .standardError(color: options.color) : .syslog
        let destination: LogDestination
        if getenv("INVOCATION_ID") != nil || getenv("JOURNAL_STREAM") != nil && !options.foreground {
            destination = .journal(fallback: withoutJournal)
        } else {
            destination = withoutJournal
        }
        Logger.shared.configure(level: options.logLevel, destination: destination, logAPDUs: options.logAPDUs)
    }

    /// `pcscd --hotplug`: signals the running daemon to rescan USB. The daemon's pid comes
    /// from `$MAINPID` (systemd sets it for ExecReload=) or from the pid file.
    private static func requestRescan() -> Int32 {
        var pid: pid_t = 0
        if let text = getenv("MAINPID"), let value = Int32(String(cString: text)), value > 0 {
            pid = value
        } else if let value = PIDFile(path: pidFilePath).read() {
            pid = value
        }
        guard pid > 0 else {
            writeStandardError("pcscd: no running daemon found: \(pidFilePath) is missing and $MAINPID is not set\n")
            return 1
        }
        guard kill(pid, SIGUSR1) == 0 else {
            writeStandardError("pcscd: cannot signal process \(pid): \(String(cString: strerror(errno)))\n")
            return 1
        }
        return 0
    }

    private static func writeStandardErrorIfDetached(_ options: DaemonOptions, _ text: String) {
        if !options.foreground { writeStandardError(text) }
    }
}

func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// The daemon's pid file: `"<pid>\n"`, mode 0644.
struct PIDFile {
    let path: String

    func write() {
        // O_NOFOLLOW: a symbolic link planted at the path must not make the daemon, often
        // root, truncate and expose another file.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            log.error("Cannot write pid file \(path): \(String(cString: strerror(errno)))")
            return
        }
        fchmod(fd, 0o644)
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func read() -> pid_t? {
        guard let text = readTextFile(path, limit: 32) else { return nil }
        return Int32(text.filter { $0.isNumber })
    }

    func remove() {
        if read() == getpid() { unlink(path) }
    }
}

/// Moves the daemon to the background. The parent waits until the child reports that it
/// is ready (or failed) and exits with that status, so `pcscd` returns only once clients
/// can connect.
struct Daemonizer {
    private let statusFD: Int32

    /// Forks; returns in the child only (nil when fork failed). Must run before any thread
    /// starts.
    static func detach() -> Daemonizer? {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return nil }
        let child = fork()
        if child < 0 {
            log.critical("fork failed: \(String(cString: strerror(errno)))")
            return nil
        }
        if child > 0 {
            // The child writes a status byte, then on failure the message to show here.
            close(pipeFDs[1])
            var status: UInt8 = 2
            _ = Glibc.read(pipeFDs[0], &status, 1)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(pipeFDs[0], $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                _ = buffer.withUnsafeBytes { write(2, $0.baseAddress, count) }
            }
            exit(Int32(status))
        }
        close(pipeFDs[0])
        setsid()
        chdir("/")
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
            dup2(null, 2)
            if null > 2 { close(null) }
        }
        return Daemonizer(statusFD: pipeFDs[1])
    }

    func reportSuccess() {
        var status: UInt8 = 0
        _ = write(statusFD, &status, 1)
        close(statusFD)
    }

    /// Makes the waiting parent print `message` on its standard error and exit with 1.
    func reportFailure(_ message: String) {
        let bytes = [UInt8(1)] + Array(message.utf8)
        _ = bytes.withUnsafeBytes { write(statusFD, $0.baseAddress, $0.count) }
        close(statusFD)
    }
}
