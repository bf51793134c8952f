import Glibc
import USBTransport
import VirtualReader

/// Parses hexadecimal bytes separated by spaces ("00 A4 04 00").
func hexBytes(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// Formats bytes as upper-case hexadecimal separated by spaces.
func hexText(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}

/// One decoded RDR_to_PC message, as a test sees it.
struct ReaderMessage: Equatable {
    var type: UInt8
    var declaredLength: Int
    var slot: UInt8
    var sequence: UInt8
    var status: UInt8
    var error: UInt8
    var specific: UInt8
    var payload: [UInt8]

    init(_ bytes: [UInt8]) {
        precondition(bytes.count >= 10, "a CCID message has at least 10 bytes, got \(bytes.count)")
        type = bytes[0]
        declaredLength = Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16 | Int(bytes[4]) << 24
        slot = bytes[5]
        sequence = bytes[6]
        status = bytes[7]
        error = bytes[8]
        specific = bytes[9]
        payload = Array(bytes[10...])
    }

    /// bmICCStatus: 0 active, 1 inactive, 2 absent.
    var iccStatus: UInt8 { status & 0x03 }
    /// bmCommandStatus: 0 processed, 1 failed, 2 time extension.
    var commandStatus: UInt8 { status >> 6 }
}

/// The host side of a test: builds PC_to_RDR messages with a running bSeq and reads the answers.
struct TestHost {
    let device: VirtualCCIDDevice
    private(set) var sequence: UInt8 = 0

    init(_ device: VirtualCCIDDevice) {
        self.device = device
    }

    init(_ configuration: VirtualReaderConfiguration) {
        self.device = VirtualCCIDDevice(configuration: configuration)
    }

    /// Sends one message and returns the bSeq it carried.
    @discardableResult
    mutating func send(
        _ type: UInt8, slot: UInt8 = 0, parameters: (UInt8, UInt8, UInt8) = (0, 0, 0), payload: [UInt8] = []
    ) throws -> UInt8 {
        let length = UInt32(payload.count)
        var message: [UInt8] = [type]
        message += (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        message += [slot, sequence, parameters.0, parameters.1, parameters.2]
        message += payload
        _ = try device.bulkWrite(endpoint: 0x01, data: message, timeoutMilliseconds: 5000)
        defer { sequence &+= 1 }
        return sequence
    }

    func receive(timeoutMilliseconds: UInt32 = 2000) throws -> ReaderMessage {
        ReaderMessage(try device.bulkRead(endpoint: 0x82, maxLength: 65546 + 10, timeoutMilliseconds: timeoutMilliseconds))
    }

    /// Sends one message and returns the first answer.
    mutating func exchange(
        _ type: UInt8, slot: UInt8 = 0, parameters: (UInt8, UInt8, UInt8) = (0, 0, 0), payload: [UInt8] = []
    ) throws -> ReaderMessage {
        try send(type, slot: slot, parameters: parameters, payload: payload)
        return try receive()
    }

    mutating func powerOn(slot: UInt8 = 0) throws -> ReaderMessage {
        try exchange(0x62, slot: slot)
    }

    mutating func xfrBlock(_ payload: [UInt8], slot: UInt8 = 0, levelParameter: UInt16 = 0) throws -> ReaderMessage {
        try exchange(0x6F, slot: slot, parameters: (0, UInt8(levelParameter & 0xFF), UInt8(levelParameter >> 8)), payload: payload)
    }

    mutating func setParameters(protocolNumber: UInt8, _ structure: [UInt8]) throws -> ReaderMessage {
        try exchange(0x61, parameters: (protocolNumber, 0, 0), payload: structure)
    }
}

/// Returns a T=1 block with NAD 0 and an LRC.
func t1Block(_ pcb: UInt8, _ information: [UInt8] = []) -> [UInt8] {
    let body = [0x00, pcb, UInt8(information.count)] + information
    return body + [body.reduce(0, ^)]
}

/// Reads the first time `body` throws a `USBError` and returns that error.
func usbError(_ body: () throws -> Void) -> USBError? {
    do {
        try body()
        return nil
    } catch let error as USBError {
        return error
    } catch {
        return .other(code: 0, message: "unexpected error \(error)")
    }
}

/// Milliseconds of `CLOCK_MONOTONIC`, for timing checks in tests.
enum MonotonicMilliseconds {
    static var now: Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}

func sleepMilliseconds(_ milliseconds: Int) {
    usleep(UInt32(milliseconds * 1000))
}

/// A closure running on its own POSIX thread, so that blocking calls do not occupy the
/// Swift concurrency pool that runs the tests.
final class BlockingThread<Value: Sendable>: @unchecked Sendable {
    private let body: @Sendable () -> Value
    private var result: Value?
    private var thread = pthread_t()

    init(_ body: @escaping @Sendable () -> Value) {
        self.body = body
        start()
    }

    private func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, runBlockingThread, context)
        precondition(created == 0, "pthread_create failed with \(created)")
    }

    fileprivate func run() {
        result = body()
    }

    /// Waits for the thread to end and returns its value.
    func join() -> Value {
        pthread_join(thread, nil)
        return result!
    }
}

/// The thread entry point: `context` is a retained `BlockingThread`.
private func runBlockingThread(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let thread = Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue()
    (thread as? BlockingThreadRunnable)?.runOnce()
    return nil
}

private protocol BlockingThreadRunnable: AnyObject {
    func runOnce()
}

extension BlockingThread: BlockingThreadRunnable {
    fileprivate func runOnce() { run() }
}
