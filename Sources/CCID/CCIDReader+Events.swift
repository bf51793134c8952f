import Synchronization
import Threading
import USBTransport

extension CCIDReader {
    /// Waits for a NotifySlotChange or HardwareError on the interrupt endpoint, without
    /// holding the bulk lock, so transmits and presence polls proceed meanwhile.
    ///
    /// `timeoutMilliseconds` 0 waits without limit; closing the device ends the wait with
    /// `.deviceGone` or `.readerClosed`. Unknown or malformed interrupt messages are passed
    /// to the warning handler and the wait goes on. Readers without a usable interrupt
    /// endpoint sleep min(timeout, poll interval) and return `.pollRequired`. Only one
    /// thread should wait at a time: each notification wakes a single waiter.
    public func waitForSlotChange(timeoutMilliseconds: UInt32) throws(CCIDError) -> SlotChangeEvent {
        guard !isClosed.load(ordering: .acquiring) else { throw .readerClosed }

        guard configuration.usesInterruptEndpoint, let endpoint = configuration.interface.endpoints.interruptIn else {
            let interval = timeoutMilliseconds == 0 ? options.pollInterval : min(timeoutMilliseconds, options.pollInterval)
            MonotonicClock.sleep(milliseconds: Int(interval))
            return .pollRequired
        }

        let deadline = timeoutMilliseconds == 0 ? nil : UInt64(MonotonicClock.milliseconds) + UInt64(timeoutMilliseconds)
        let maxLength = max(8, 1 + (slotCount + 3) / 4)

        while true {
            var remaining: UInt32 = 0
            if let deadline {
                let now = UInt64(MonotonicClock.milliseconds)
                guard now < deadline else { return .timedOut }
                remaining = UInt32(clamping: deadline - now)
            }

            let bytes: [UInt8]
            do {
                bytes = try device.interruptRead(endpoint: endpoint, maxLength: maxLength, timeoutMilliseconds: remaining)
            } catch .timeout {
                return .timedOut
            } catch {
                throw CCIDError(error, during: .notifySlotChange)
            }

            if let event = decodeNotification(bytes) {
                return event
            }
        }
    }

    private func decodeNotification(_ bytes: [UInt8]) -> SlotChangeEvent? {
        guard !bytes.isEmpty else { return nil }
        do {
            switch try CCIDNotification(bytes: bytes, slotCount: slotCount) {
            case .slotChange(let notification):
                return .slotsChanged(notification)
            case .hardwareError(let slot, _, let code):
                return .hardwareError(slot: Int(slot), code: code)
            }
        } catch {
            warn("ignored interrupt message \(hexString(bytes)): \(error)")
            return nil
        }
    }
}
