import CLibUSB
import Threading

/// One asynchronous libusb transfer and its buffer, waited for by the thread that
/// submitted it.
///
/// The submitting thread blocks in `waitUntilFinished()`. libusb's event thread calls the
/// completion callback, which marks the transfer finished. libusb enforces the timeout,
/// and `libusb_cancel_transfer` (from `LibUSBDevice.close()`) finishes it early with
/// `LIBUSB_TRANSFER_CANCELLED`.
final class PendingTransfer: @unchecked Sendable {
    let transfer: UnsafeMutablePointer<libusb_transfer>
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    private let lock = ConditionLock()
    private var finished = false

    /// Allocates a transfer of `type` on `endpoint` with a zeroed buffer of `capacity`
    /// bytes. `timeoutMilliseconds` 0 means no timeout.
    init(
        handle: OpaquePointer, type: libusb_transfer_type, endpoint: UInt8,
        capacity: Int, timeoutMilliseconds: UInt32
    ) {
        guard let transfer = libusb_alloc_transfer(0) else {
            terminate("libusb_alloc_transfer failed: out of memory")
        }
        self.transfer = transfer
        self.capacity = max(capacity, 0)
        buffer = .allocate(capacity: max(self.capacity, 1))
        buffer.initialize(repeating: 0, count: max(self.capacity, 1))

        transfer.pointee.dev_handle = handle
        transfer.pointee.endpoint = endpoint
        transfer.pointee.type = UInt8(type.rawValue)
        transfer.pointee.timeout = timeoutMilliseconds
        transfer.pointee.buffer = buffer
        transfer.pointee.length = Int32(clamping: self.capacity)
        transfer.pointee.callback = pendingTransferFinished
    }

    deinit {
        libusb_free_transfer(transfer)
        buffer.deallocate()
    }

    /// Submits the transfer. On success the callback holds a reference to `self` until
    /// it has run, so the transfer outlives any waiter.
    func submit() throws(USBError) {
        let retained = Unmanaged.passRetained(self)
        transfer.pointee.user_data = retained.toOpaque()
        let result = libusb_submit_transfer(transfer)
        if result < 0 {
            retained.release()
            throw USBError(libusbCode: result)
        }
    }

    fileprivate func markFinished() {
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }

    func waitUntilFinished() {
        lock.withLock {
            while !finished {
                lock.wait()
            }
        }
    }

    /// The error the transfer ended with, nil when it completed.
    var error: USBError? {
        USBError(transferStatus: transfer.pointee.status)
    }

    var actualLength: Int {
        Int(max(transfer.pointee.actual_length, 0))
    }

    /// The bytes `range` of the buffer, clamped to the buffer's size.
    func bytes(_ range: Range<Int>) -> [UInt8] {
        let lower = min(max(range.lowerBound, 0), capacity)
        let upper = min(max(range.upperBound, lower), capacity)
        return Array(UnsafeBufferPointer(start: buffer + lower, count: upper - lower))
    }
}

/// The completion callback of every `PendingTransfer`, run on libusb's event thread.
private func pendingTransferFinished(_ transfer: UnsafeMutablePointer<libusb_transfer>?) {
    guard let userData = transfer?.pointee.user_data else { return }
    Unmanaged<PendingTransfer>.fromOpaque(userData).takeRetainedValue().markFinished()
}
