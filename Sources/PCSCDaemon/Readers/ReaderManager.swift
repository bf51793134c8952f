/// Finds and tracks reader devices: virtual readers created at start-up, and USB readers.
final class ReaderManager: Sendable {
    private let daemon: Daemon
    private let options: DaemonOptions

    init(daemon: Daemon, options: DaemonOptions) {
        self.daemon = daemon
        self.options = options
    }

    func start() {
        // TODO: virtual readers and USB discovery arrive with the CCID and virtual reader modules.
    }

    func rescan() {}

    func stop() {}
}
