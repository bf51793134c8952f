import Glibc
import PCSCWire

/// The protocol version that the daemon behind the client's socket accepted last, so
/// that the next connection offers it first.
///
/// Without it every `SCardEstablishContext` offered 4:6 first. pcsc-lite 1.9.9 rejects
/// that, logs "Communication protocol mismatch" each time, and the client offers 4:4 in
/// a second round trip. The memory belongs to one `PCSCClient`, whose socket path never
/// changes, so it is per process and socket path for `PCSCClient.shared`.
///
/// The client offers 4:6 again (see `firstOffer`):
/// - when the socket file is not the one the version was accepted on (device, inode and
///   change time differ), as after a daemon restart that created a new socket;
/// - after any failed connection or version exchange, a rejection included;
/// - after a context found its connection closed by the daemon.
///
/// NOTE: a daemon restarted behind a socket it did not create (systemd socket activation
/// keeps the socket file) is noticed only when it closes a context's connection. Until
/// then the client offers the old daemon's version first. A new daemon that rejects it
/// names its own version, which the client offers next. One that accepts it (pcsc-lite
/// 2.5 and ours accept 4:4) is used with that older version, so with the fixed 16-entry
/// reader array.
struct AcceptedVersionMemory {
    /// The identity of one socket file on one file system, as `stat` reports it.
    struct SocketFile: Equatable {
        let device: UInt64
        let inode: UInt64
        let changeSeconds: Int
        let changeNanoseconds: Int

        /// Reads the identity of the file at `path`; nil when `stat` fails.
        init?(path: String) {
            var information = stat()
            guard stat(path, &information) == 0 else { return nil }
            device = UInt64(information.st_dev)
            inode = UInt64(information.st_ino)
            changeSeconds = information.st_ctim.tv_sec
            changeNanoseconds = information.st_ctim.tv_nsec
        }
    }

    private var socketFile: SocketFile?
    private var version = VersionNegotiation.newest

    /// Returns the version to offer first on a new connection to `file`.
    func firstOffer(for file: SocketFile?) -> ProtocolVersion {
        guard let file, file == socketFile else { return VersionNegotiation.newest }
        return version
    }

    /// Records the version a daemon accepted on a connection to `file`.
    mutating func remember(_ version: ProtocolVersion, for file: SocketFile?) {
        socketFile = file
        self.version = version
    }

    mutating func forget() {
        socketFile = nil
        version = VersionNegotiation.newest
    }
}
