import CPosix
import Glibc
import PCSCWire
import Synchronization
import Threading

/// The main event loop: accepts clients, handles signals, and ends the daemon after the
/// idle time of `--auto-exit`.
///
/// Everything the loop waits for is a file descriptor in one epoll set: the listening
/// socket, a signalfd, a timerfd for the idle timer, and an eventfd that connection
/// threads poke when they end. So no signal handler can race the loop.
final class Server: @unchecked Sendable {
    private let daemon: Daemon
    private let listener: ListeningSocket
    private let autoExitMilliseconds: Int?
    private let onRescan: @Sendable () -> Void

    private let epollFD: Int32
    private let signalFD: Int32
    private let timerFD: Int32
    private let wakeFD: Int32
    /// A spare descriptor, given up to accept and refuse a client when the daemon has run
    /// out of descriptors. Without it the listening socket would stay readable and the
    /// event loop would spin.
    private var reserveFD: Int32
    private let activeConnections = Atomic<Int>(0)
    private let nextConnectionID = Atomic<UInt64>(1)

    /// Signals the loop handles; they must be blocked in every thread (see `blockSignals`).
    static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP]

    /// Blocks the handled signals for the calling thread and every thread it starts later;
    /// call before starting any thread.
    static func blockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in handledSignals { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    init(daemon: Daemon, listener: ListeningSocket, autoExitMilliseconds: Int?, onRescan: @escaping @Sendable () -> Void) {
        self.daemon = daemon
        self.listener = listener
        self.autoExitMilliseconds = autoExitMilliseconds
        self.onRescan = onRescan

        var set = sigset_t()
        sigemptyset(&set)
        for number in Self.handledSignals { sigaddset(&set, number) }
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        signalFD = signalfd(-1, &set, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)

        let flags = fcntl(listener.fd, F_GETFL)
        _ = fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK)
        for fd in [listener.fd, signalFD, timerFD, wakeFD] {
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.fd = fd
            epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
        }
    }

    /// Runs until a terminating signal or the idle timeout; returns the exit status.
    func run() -> Int32 {
        armIdleTimer()
        var events = [epoll_event](repeating: epoll_event(), count: 8)
        var exiting = false

        while true {
            let count = epoll_wait(epollFD, &events, Int32(events.count), -1)
            if count < 0 {
                if errno == EINTR { continue }
                log.critical("epoll_wait failed: \(String(cString: strerror(errno))); exiting")
                return 1
            }
            for event in events.prefix(Int(count)) {
                switch event.data.fd {
                case listener.fd:
                    acceptClients()
                case signalFD:
                    if let status = handleSignals() { return status }
                case timerFD:
                    drain(timerFD)
                    if activeConnections.load(ordering: .acquiring) == 0 {
                        exiting = true
                    }
                case wakeFD:
                    drain(wakeFD)
                    armIdleTimer()
                    releaseMemoryWhenIdle()
                default:
                    break
                }
            }
            if exiting && activeConnections.load(ordering: .acquiring) == 0 {
                if let status = finishIdleExit() { return status }
                exiting = false
            }
        }
    }

    /// Ends the daemon after the idle timeout, without dropping a client that is
    /// connecting right now: a created socket is unlinked first so no new client can
    /// arrive, and any client already queued is served before the daemon exits. An
    /// inherited socket stays with systemd, which starts the next instance for a client
    /// that connects after this check.
    private func finishIdleExit() -> Int32? {
        if !listener.isInherited {
            listener.removeCreatedFile()
            // A client that looked the path up just before the unlink may still be
            // connecting; give it a moment to land in the queue.
            MonotonicClock.sleep(milliseconds: 20)
        }
        if listener.hasPendingConnection {
            log.info("A client connected at the idle timeout; serving it before exiting")
            acceptClients()
            return nil
        }
        log.info("No client for \(autoExitMilliseconds ?? 0) ms; exiting (--auto-exit)")
        return 0
    }

    private func acceptClients() {
        while true {
            let fd = cposix_accept_cloexec(listener.fd)
            if fd < 0 {
                switch errno {
                case EINTR:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    return
                case EMFILE, ENFILE:
                    if rejectClientWithSpareDescriptor() { continue }
                    return
                default:
                    log.error("accept failed: \(String(cString: strerror(errno)))")
                    return
                }
            }
            startConnection(fd: fd)
        }
    }

    /// Accepts one client with the spare descriptor and closes it at once, so a daemon out
    /// of descriptors refuses clients instead of spinning on a readable socket.
    private func rejectClientWithSpareDescriptor() -> Bool {
        guard reserveFD >= 0 else { return false }
        close(reserveFD)
        let fd = cposix_accept_cloexec(listener.fd)
        if fd >= 0 { close(fd) }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        log.error("Too many open files: refused a client. Raise the limit (LimitNOFILE=) or lower -t")
        return fd >= 0
    }

    private func startConnection(fd: Int32) {
        let active = activeConnections.load(ordering: .acquiring)
        guard active < daemon.limits.maxConnections else {
            log.error("Too many client connections (\(active), limit \(daemon.limits.maxConnections) set by -t); refusing a new one")
            close(fd)
            return
        }
        activeConnections.add(1, ordering: .acquiringAndReleasing)
        disarmIdleTimer()

        let id = nextConnectionID.add(1, ordering: .relaxed).oldValue
        let connection = ClientConnection(id: id, socket: UnixSocket(fd: fd))
        log.debug("\(connection.label): connected")
        let daemon = self.daemon
        daemon.connectionOpened(connection)
        let started = spawnThread(name: "client \(id)") { [self] in
            RequestHandler(daemon: daemon, connection: connection).run()
            connectionEnded(connection)
        }
        if !started {
            log.error("\(connection.label): refused, no thread for it")
            connection.close()
            connectionEnded(connection)
        }
    }

    private func connectionEnded(_ connection: ClientConnection) {
        daemon.connectionClosed(connection)
        activeConnections.subtract(1, ordering: .acquiringAndReleasing)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Returns an exit status for terminating signals, nil otherwise.
    private func handleSignals() -> Int32? {
        var info = signalfd_siginfo()
        while read(signalFD, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            switch Int32(info.ssi_signo) {
            case SIGTERM, SIGINT, SIGQUIT:
                log.info("Received signal \(info.ssi_signo); exiting")
                return 0
            case SIGUSR1:
                log.info("Received SIGUSR1; rescanning readers")
                onRescan()
            default:
                break
            }
        }
        return nil
    }

    /// Gives freed heap memory back to the kernel once the last client has left. Each
    /// connection thread may allocate from its own malloc arena, and glibc keeps the free
    /// space of arenas: 5 MiB after 200 concurrent clients (`make bench` row 6).
    private func releaseMemoryWhenIdle() {
        guard activeConnections.load(ordering: .acquiring) == 0 else { return }
        _ = malloc_trim(0)
    }

    private func armIdleTimer() {
        guard let milliseconds = autoExitMilliseconds, activeConnections.load(ordering: .acquiring) == 0 else {
            return
        }
        var spec = itimerspec()
        spec.it_value.tv_sec = milliseconds / 1000
        spec.it_value.tv_nsec = (milliseconds % 1000) * 1_000_000
        timerfd_settime(timerFD, 0, &spec, nil)
    }

    private func disarmIdleTimer() {
        guard autoExitMilliseconds != nil else { return }
        var spec = itimerspec()
        timerfd_settime(timerFD, 0, &spec, nil)
    }

    private func drain(_ fd: Int32) {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }
}
