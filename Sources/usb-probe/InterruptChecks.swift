import Glibc
import Synchronization
import USBTransport

/// `--wait-interrupt`: blocks in `interruptRead` (no timeout) on the first CCID reader
/// and prints how it ended and when, on the monotonic clock. check-libusb-swift.sh
/// unplugs the reader meanwhile and compares the time with the unplug time.
func runWaitInterrupt(context: LibUSBContext) throws {
    let (device, interface) = try openFirstReader(context: context)
    defer { device.close() }
    guard let endpoint = interface.interruptIn else {
        throw ProbeFailure(description: "the CCID interface has no interrupt endpoint")
    }

    print("waiting on interrupt endpoint \(hex([endpoint])) of \(device.key)")
    flushOutput()
    let outcome: String
    do {
        let data = try device.interruptRead(endpoint: endpoint, maxLength: 8, timeoutMilliseconds: 0)
        outcome = "data=\(hex(data).replacingSpaces())"
    } catch {
        outcome = "error=\(name(of: error))"
    }
    print("interrupt read returned \(outcome) at=\(monotonicSeconds())")
}

/// `--close-during-interrupt MS`: one thread blocks in `interruptRead` (no timeout), the
/// main thread calls `close()` after MS milliseconds. Prints how the read ended and how
/// long `close()` and the read took after `close()` was called.
func runCloseDuringInterrupt(context: LibUSBContext, delayMilliseconds: Int) throws {
    let (device, interface) = try openFirstReader(context: context)
    guard let endpoint = interface.interruptIn else {
        throw ProbeFailure(description: "the CCID interface has no interrupt endpoint")
    }

    let reader = ReadThread {
        do {
            _ = try device.interruptRead(endpoint: endpoint, maxLength: 8, timeoutMilliseconds: 0)
            return "data"
        } catch {
            return name(of: error)
        }
    }
    usleep(UInt32(delayMilliseconds) * 1000)

    let closeStarted = monotonicSeconds()
    device.close()
    let closeReturned = monotonicSeconds()
    let (outcome, readReturned) = reader.join()
    print("close-during-interrupt error=\(outcome)"
          + " close-ms=\(formatted((closeReturned - closeStarted) * 1000))"
          + " read-returned-ms=\(formatted((readReturned - closeStarted) * 1000))")

    do {
        _ = try device.bulkRead(endpoint: interface.bulkIn ?? 0x82, maxLength: 64, timeoutMilliseconds: 100)
        print("transfer after close: succeeded")
    } catch {
        print("transfer after close: error=\(name(of: error))")
    }
}

private func openFirstReader(context: LibUSBContext) throws -> (LibUSBDevice, CCIDInterface) {
    guard let (candidate, interface) = try firstReader(context: context) else {
        throw ProbeFailure(description: "no CCID reader found")
    }
    let device = try context.open(candidate)
    try device.claimInterface(interface.number)
    return (device, interface)
}

/// Returns the enum case name of a USB error (`noDevice`, `cancelled`, ...) for greppable
/// output.
func name(of error: any Error) -> String {
    guard let usbError = error as? USBError else { return "\(error)" }
    switch usbError {
    case .timeout: return "timeout"
    case .noDevice: return "noDevice"
    case .pipe: return "pipe"
    case .overflow: return "overflow"
    case .busy: return "busy"
    case .accessDenied: return "accessDenied"
    case .cancelled: return "cancelled"
    case .other(let code, _): return "other(\(code))"
    }
}

/// Flushes standard output, so lines reach a pipe before the process blocks.
func flushOutput() {
    fflush(nil)
}

/// Writes one line to standard error.
func printError(_ text: String) {
    flushOutput()
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(map { $0 == " " ? ":" : $0 })
    }
}

/// Runs a closure on a POSIX thread and returns its result with the monotonic time it
/// finished.
final class ReadThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var result = ""
    private var finished = 0.0
    private let done = Atomic<Bool>(false)
    private let body: () -> String

    init(_ body: @escaping () -> String) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { argument in
            let owner = Unmanaged<ReadThread>.fromOpaque(argument!).takeRetainedValue()
            owner.result = owner.body()
            owner.finished = monotonicSeconds()
            owner.done.store(true, ordering: .releasing)
            return nil
        }, context)
    }

    /// True once the closure has returned.
    var isFinished: Bool {
        done.load(ordering: .acquiring)
    }

    func join() -> (String, Double) {
        pthread_join(thread, nil)
        return (result, finished)
    }
}
