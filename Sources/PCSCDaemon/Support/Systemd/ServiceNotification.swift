import Glibc

/// A state change that the daemon reports to the service manager, as sd_notify(3)
/// documents it.
enum ServiceNotification: Equatable {
    /// Start-up is finished (`READY=1`). A `Type=notify` service counts as started from here.
    case ready
    /// The daemon is shutting down (`STOPPING=1`).
    case stopping
    /// A one-line status for `systemctl status` (`STATUS=...`).
    case status(String)

    /// The `KEY=value` line of the notification. A newline in a status becomes a space,
    /// because the protocol separates assignments with newlines.
    var assignment: String {
        switch self {
        case .ready: "READY=1"
        case .stopping: "STOPPING=1"
        case .status(let text):
            "STATUS=" + String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" ? " " : $0 }))
        }
    }
}

/// Sends notifications to the socket that the service manager names in `$NOTIFY_SOCKET`.
enum ServiceManagerNotifier {
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The variable is neither an absolute path nor "@" and an abstract socket name, or it
        /// is longer than a socket address allows.
        case unsupportedAddress(String)
        case system(SystemCallError, address: String)

        var description: String {
            switch self {
            case .unsupportedAddress(let value):
                "$NOTIFY_SOCKET is '\(value)', expected an absolute path or @name of at most 107 bytes"
            case .system(let error, let address):
                "\(error) (NOTIFY_SOCKET=\(address))"
            }
        }
    }

    /// Sends `notifications` in one datagram, one assignment per line, to the socket in
    /// `$NOTIFY_SOCKET`. The variable is left set, as `sd_notify(0, ...)` leaves it. Returns
    /// false, without error, when the variable is unset: the daemon was not started by a
    /// service manager that waits for notifications.
    @discardableResult
    static func notify(
        _ notifications: [ServiceNotification], environment: some EnvironmentVariables = ProcessEnvironment()
    ) throws(Failure) -> Bool {
        guard let value = environment["NOTIFY_SOCKET"] else { return false }
        guard let address = address(notifySocket: value) else { throw .unsupportedAddress(value) }

        let message = notifications.map { $0.assignment }.joined(separator: "\n")
        do {
            let sender = try UnixDatagramSender.open()
            defer { sender.close() }
            try sender.send(Array(message.utf8), to: address)
        } catch {
            throw .system(error, address: value)
        }
        return true
    }

    /// Returns the address that a `$NOTIFY_SOCKET` value names: a socket file for "/path",
    /// an abstract socket for "@name". Returns nil for other values, such as relative paths
    /// or the "vsock:" addresses of virtual machines, which this daemon does not support.
    static func address(notifySocket value: String) -> UnixSocketAddress? {
        if value.hasPrefix("/") {
            return UnixSocketAddress(path: value)
        }
        if value.hasPrefix("@") {
            return UnixSocketAddress(abstractName: Array(value.utf8.dropFirst()))
        }
        return nil
    }
}
