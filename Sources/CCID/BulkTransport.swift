import Threading
import USBTransport

/// One command and its response over the bulk endpoints. Each response is checked for
/// length and `dwLength`, `bSeq` and `bSlot` (stale frames are discarded, up to a bound),
/// and message type. Time extensions (bmCommandStatus 2) are honoured up to a total cap. After a
/// timeout the CCID abort sequence runs, or the bulk IN pipe is drained.
struct BulkTransport: Sendable {
    let device: any USBDevice
    let bulkOut: UInt8
    let bulkIn: UInt8
    let interfaceNumber: UInt8
    /// Upper bound for one command including time extensions, in milliseconds.
    let maxCommandDuration: UInt32
    let warn: @Sendable (String) -> Void

    /// Frames with a wrong bSeq or bSlot tolerated before the exchange fails.
    static let maxStaleFrames = 10
    /// The read buffer: header plus the largest payload.
    static let maxResponseLength = CCIDMessageHeader.length + CCIDMessageHeader.maxPayloadLength

    /// Sends `command` and returns its response. A failed command (bmCommandStatus 1) is
    /// returned, not thrown: the caller interprets bError.
    func exchange(_ command: CCIDCommand, timeout: UInt32) throws(CCIDError) -> CCIDResponse {
        let type = command.messageType
        do {
            _ = try device.bulkWrite(endpoint: bulkOut, data: command.bytes, timeoutMilliseconds: CCIDTimeouts.write)
        } catch {
            throw CCIDError(error, during: type)
        }
        return try readResponse(to: command, timeout: timeout)
    }

    private func readResponse(to command: CCIDCommand, timeout: UInt32) throws(CCIDError) -> CCIDResponse {
        let type = command.messageType
        let start = UInt64(MonotonicClock.milliseconds)
        let cap = start + UInt64(max(timeout, maxCommandDuration))
        var deadline = min(start + UInt64(max(timeout, 1)), cap)
        var staleFrames = 0

        while true {
            let now = UInt64(MonotonicClock.milliseconds)
            guard now < deadline else { throw abortAfterTimeout(command) }

            let bytes: [UInt8]
            do {
                bytes = try device.bulkRead(
                    endpoint: bulkIn, maxLength: Self.maxResponseLength,
                    timeoutMilliseconds: UInt32(clamping: deadline - now))
            } catch .timeout {
                throw abortAfterTimeout(command)
            } catch {
                throw CCIDError(error, during: type)
            }

            if isStale(bytes, for: command) {
                staleFrames += 1
                warn("discarded a stale frame while waiting for \(type) (bSeq \(command.sequence), bSlot \(command.slot)): \(hexString(Array(bytes.prefix(10))))")
                guard staleFrames <= Self.maxStaleFrames else {
                    throw .communicationError(.tooManyStaleFrames(command: type))
                }
                continue
            }

            let response: CCIDResponse
            do {
                response = try CCIDResponse(bytes: bytes)
            } catch {
                throw .communicationError(.invalidResponse(error, command: type))
            }
            guard response.messageType == type.responseType else {
                throw .communicationError(.unexpectedResponse(response.messageType, command: type))
            }

            if response.status.commandStatus == .timeExtension {
                let multiplier = UInt64(max(response.error.rawValue, 1))
                deadline = min(UInt64(MonotonicClock.milliseconds) + multiplier * UInt64(timeout), cap)
                continue
            }
            return response
        }
    }

    /// Tells whether a frame belongs to another command (its bSeq or bSlot differs). Frames
    /// too short to carry those bytes are not stale: they fail decoding.
    private func isStale(_ bytes: [UInt8], for command: CCIDCommand) -> Bool {
        bytes.count >= 7 && (bytes[6] != command.sequence || bytes[5] != command.slot)
    }

    /// Runs the CCID abort procedure (ABORT control request, then PC_to_RDR_Abort with the
    /// same bSlot and bSeq, to which the reader responds with a SlotStatus), so the late
    /// response does not confuse the next command. Readers that stall the control request get their bulk IN pipe
    /// drained instead. Returns the error to throw.
    private func abortAfterTimeout(_ command: CCIDCommand) -> CCIDError {
        let timedOut = CCIDError.timeout(command.messageType)
        do {
            _ = try device.controlTransfer(
                requestType: 0x21, request: 0x01,
                value: UInt16(command.slot) | UInt16(command.sequence) << 8,
                index: UInt16(interfaceNumber), data: [], length: 0, timeoutMilliseconds: 1000)
            let abort = CCIDCommand(.abort, slot: command.slot, sequence: command.sequence)
            _ = try device.bulkWrite(endpoint: bulkOut, data: abort.bytes, timeoutMilliseconds: CCIDTimeouts.write)
            if try readAbortAnswer(abort) { return timedOut }
        } catch .noDevice {
            return .deviceGone
        } catch {
            // The reader does not implement ABORT; drain instead.
        }
        return drain() ?? timedOut
    }

    private func readAbortAnswer(_ abort: CCIDCommand) throws(USBError) -> Bool {
        for _ in 0...Self.maxStaleFrames {
            let bytes = try device.bulkRead(endpoint: bulkIn, maxLength: Self.maxResponseLength, timeoutMilliseconds: 1000)
            if let response = try? CCIDResponse(bytes: bytes), response.messageType == .slotStatus,
                response.sequence == abort.sequence, response.slot == abort.slot
            {
                return true
            }
        }
        return false
    }

    /// Reads and drops whatever the reader still sends, until 100 ms pass in silence.
    /// Returns `.deviceGone` when the device disappears meanwhile.
    private func drain() -> CCIDError? {
        for _ in 0...Self.maxStaleFrames {
            do {
                _ = try device.bulkRead(endpoint: bulkIn, maxLength: Self.maxResponseLength, timeoutMilliseconds: 100)
            } catch .noDevice {
                return .deviceGone
            } catch {
                return nil
            }
        }
        return nil
    }
}
