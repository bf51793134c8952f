import VirtualCard

/// The contents of a slot, as the control API reports them.
public enum VirtualSlotState: String, Sendable, Hashable {
    /// No card in the slot.
    case absent
    /// A card is present and not powered.
    case present
    /// A card is present and powered.
    case powered
}

/// A bulk-IN message the slot wants to send, and how long after the command it is ready.
struct PlannedFrame: Sendable, Equatable {
    var bytes: [UInt8]
    var delayMilliseconds: UInt32 = 0
}

/// The slot's reaction to one command.
struct SlotOutcome: Sendable, Equatable {
    /// Frames to queue on bulk IN, in order.
    var frames: [PlannedFrame]
    /// True when the device must disappear now (the gone-mid-transfer fault).
    var deviceGone = false
}

/// One slot of a virtual reader: the card in it, its power and protocol state, and the
/// CCID command handling, as a value type without I/O or clocks.
struct VirtualSlot: Sendable {
    let mode: VirtualReaderMode
    /// dwMaxCCIDMessageLength − 10.
    let maxDataLength: Int

    private(set) var card: VirtualCard?
    private(set) var powered = false
    private(set) var parameters: SlotParameters
    private(set) var clockStopped = false
    private(set) var locked = false
    /// bClassGetResponse and bClassEnvelope as last set by PC_to_RDR_T0APDU.
    private(set) var t0Classes: (getResponse: UInt8, envelope: UInt8) = (0xFF, 0xFF)
    var faults = SlotFaults()

    var t1 = T1CardEndpoint()
    var extended = ExtendedAPDUExchange()
    /// True between power-on and the first exchange of a TPDU slot, when a PPS may come.
    private(set) var ppsAllowed = false

    /// Interval between the time-extension frames sent while the card is busy.
    static let timeExtensionIntervalMilliseconds: UInt32 = 1000

    init(mode: VirtualReaderMode, maxDataLength: Int, cardInserted: Bool) {
        self.mode = mode
        self.maxDataLength = maxDataLength
        self.parameters = .afterPowerOn(mode: mode)
        self.card = cardInserted ? VirtualCard() : nil
    }

    var state: VirtualSlotState {
        guard card != nil else { return .absent }
        return powered ? .powered : .present
    }

    var iccStatus: ICCStatus {
        switch state {
        case .absent: .absent
        case .present: .inactive
        case .powered: .active
        }
    }

    /// Puts a fresh, unpowered card into the slot, replacing any card there.
    mutating func insertCard() {
        card = VirtualCard()
        powerDown()
    }

    mutating func removeCard() {
        card = nil
        powerDown()
    }

    /// Processes one command addressed to this slot, with the faults armed on it applied.
    mutating func handle(_ command: CCIDCommand) -> SlotOutcome {
        if faults.goneMidTransfer {
            faults.goneMidTransfer = false
            return SlotOutcome(frames: [], deviceGone: true)
        }

        var frames = execute(command)
        guard let answer = frames.last else { return SlotOutcome(frames: frames) }

        if faults.timeExtensionFrames > 0 {
            let interim = interimFrame(for: command)
            frames.insert(contentsOf: repeatElement(interim, count: faults.timeExtensionFrames), at: 0)
            faults.timeExtensionFrames = 0
        }
        if faults.staleFrames > 0 {
            var stale = answer
            stale.bytes[6] = command.sequence &- 1
            stale.delayMilliseconds = 0
            frames.insert(contentsOf: repeatElement(stale, count: faults.staleFrames), at: 0)
            faults.staleFrames = 0
        }
        return SlotOutcome(frames: frames)
    }

    private mutating func powerDown() {
        powered = false
        parameters = .afterPowerOn(mode: mode)
        clockStopped = false
        t1 = T1CardEndpoint()
        extended = ExtendedAPDUExchange()
        ppsAllowed = false
    }

    private mutating func execute(_ command: CCIDCommand) -> [PlannedFrame] {
        guard let type = command.type else {
            return [failure(command, .commandNotSupported)]
        }

        switch type {
        case .iccPowerOn: return [powerOn(command)]
        case .iccPowerOff: return [powerOff(command)]
        case .getSlotStatus: return [frame(answer(command, specific: clockStatus))]
        case .xfrBlock: return transfer(command)
        case .getParameters: return [parametersAnswer(command)]
        case .resetParameters: return [resetParameters(command)]
        case .setParameters: return [setParameters(command)]
        case .escape: return [frame(answer(command, payload: command.payload))]
        case .iccClock: return [clock(command)]
        case .t0APDU: return [t0APDU(command)]
        case .secure: return [secure(command)]
        case .mechanical: return [mechanical(command)]
        case .abort: return [abort(command)]
        case .setDataRateAndClockFrequency: return [dataRateAndClock(command)]
        }
    }
}

// MARK: - Commands

extension VirtualSlot {
    private mutating func powerOn(_ command: CCIDCommand) -> PlannedFrame {
        guard command.parameters.0 <= 3 else { return failure(command, .badFirstParameter) }
        guard card != nil else { return failure(command, .iccMute) }
        if faults.consumeMutePowerOn() {
            powerDown()
            return failure(command, .iccMute)
        }

        powerDown()
        let atr = card!.reset()
        powered = true
        ppsAllowed = mode.isTPDU
        return frame(answer(command, payload: atr))
    }

    private mutating func powerOff(_ command: CCIDCommand) -> PlannedFrame {
        powerDown()
        return frame(answer(command, specific: clockStatus))
    }

    private func parametersAnswer(_ command: CCIDCommand) -> PlannedFrame {
        guard card != nil else { return failure(command, .iccMute) }
        return frame(answer(command, specific: parameters.protocolNumber, payload: parameters.structure))
    }

    private mutating func resetParameters(_ command: CCIDCommand) -> PlannedFrame {
        guard card != nil else { return failure(command, .iccMute) }
        changeParameters(.afterPowerOn(mode: mode))
        return parametersAnswer(command)
    }

    private mutating func setParameters(_ command: CCIDCommand) -> PlannedFrame {
        guard card != nil else { return failure(command, .iccMute) }

        let protocolNumber = command.parameters.0
        let allowed: [UInt8] = mode == .tpduT0 ? [0] : [0, 1]
        guard allowed.contains(protocolNumber) else { return failure(command, .badFirstParameter) }
        guard command.payload.count == (protocolNumber == 0 ? 5 : 7) else { return failure(command, .badLength) }
        guard CardATR.supportsSpeed(fiDi: command.payload[0]) else { return failure(command, .badFirstDataByte) }
        if protocolNumber == 1 && command.payload[1] & 0x01 != 0 {
            // The card's ATR announces no CRC, so only the LRC is possible.
            return failure(command, .badSecondDataByte)
        }

        changeParameters(SlotParameters(protocolNumber: protocolNumber, structure: command.payload))
        return parametersAnswer(command)
    }

    private mutating func changeParameters(_ new: SlotParameters) {
        if new.protocolNumber != parameters.protocolNumber {
            t1 = T1CardEndpoint()
        }
        parameters = new
    }

    private mutating func clock(_ command: CCIDCommand) -> PlannedFrame {
        guard command.parameters.0 <= 1 else { return failure(command, .badFirstParameter) }
        guard powered else { return failure(command, .iccMute) }
        clockStopped = command.parameters.0 == 1
        return frame(answer(command, specific: clockStatus))
    }

    private mutating func t0APDU(_ command: CCIDCommand) -> PlannedFrame {
        let changes = command.parameters.0
        if changes & 0x01 != 0 { t0Classes.getResponse = command.parameters.1 }
        if changes & 0x02 != 0 { t0Classes.envelope = command.parameters.2 }
        return frame(answer(command, specific: clockStatus))
    }

    private mutating func mechanical(_ command: CCIDCommand) -> PlannedFrame {
        switch command.parameters.0 {
        case 4: locked = true
        case 5: locked = false
        case 1, 2, 3: return failure(command, .commandNotSupported)
        default: return failure(command, .badFirstParameter)
        }
        return frame(answer(command, specific: clockStatus))
    }

    /// PC_to_RDR_Abort: drops a half-done extended APDU chain. The T=1 state belongs to the
    /// card and stays, so the host resynchronises it if it needs to.
    private mutating func abort(_ command: CCIDCommand) -> PlannedFrame {
        extended = ExtendedAPDUExchange()
        return frame(answer(command, specific: clockStatus))
    }

    private func dataRateAndClock(_ command: CCIDCommand) -> PlannedFrame {
        guard command.payload.count == 8 else { return failure(command, .badLength) }
        let clock = VirtualCCIDDescriptors.clockKilohertz
        let rate = parameters.dataRate(clockKilohertz: clock)
        let payload = VirtualCCIDDescriptors.littleEndian(clock) + VirtualCCIDDescriptors.littleEndian(rate)
        return frame(answer(command, payload: payload))
    }

    /// PC_to_RDR_Secure with a simulated PIN pad: verify (0) and modify (1) always end
    /// with SW 90 00 from the card, without any PIN reaching it.
    private mutating func secure(_ command: CCIDCommand) -> PlannedFrame {
        guard powered else { return failure(command, .iccMute) }
        guard let operation = command.payload.first, operation <= 1 else {
            return failure(command, .badFirstDataByte)
        }
        // bPINOperation, the fixed PIN_VERIFY/PIN_MODIFY fields, and at least an APDU header.
        let minimumLength = operation == 0 ? 1 + 14 + 4 : 1 + 17 + 4
        guard command.payload.count >= minimumLength else { return failure(command, .badLength) }

        ppsAllowed = false
        let result: [UInt8] = [0x90, 0x00]
        let data = mode == .tpduT1 && parameters.protocolNumber == 1 ? t1.wrapExternalResponse(result) : result
        return frame(answer(command, payload: data))
    }
}

// MARK: - XfrBlock

extension VirtualSlot {
    private mutating func transfer(_ command: CCIDCommand) -> [PlannedFrame] {
        guard powered, card != nil else { return [failure(command, .iccMute)] }

        if ppsAllowed && command.payload.first == 0xFF {
            return [protocolParameterSelection(command)]
        }
        ppsAllowed = false

        switch mode {
        case .tpduT0, .tpduT1:
            if parameters.protocolNumber == 1 {
                let reply = t1.receive(command.payload, card: &card!)
                return [frame(answer(command, payload: reply.block), delay: reply.delayMilliseconds)]
            }
            let response = card!.processT0(command.payload)
            return busyFrames(command, payload: response.bytes, milliseconds: response.processingMilliseconds)

        case .shortAPDU:
            let response = card!.process(command.payload)
            guard response.bytes.count <= maxDataLength else { return [failure(command, .transferOverrun)] }
            return busyFrames(command, payload: response.bytes, milliseconds: response.processingMilliseconds)

        case .extendedAPDU:
            guard let reply = extended.receive(
                command.payload, levelParameter: command.levelParameter,
                maxDataLength: maxDataLength, card: &card!)
            else { return [failure(command, .badLevelParameter)] }
            return busyFrames(
                command, payload: reply.data, milliseconds: reply.processingMilliseconds,
                chainParameter: reply.chainParameter)
        }
    }

    /// Processes a PPS request (ISO 7816-3 §9) the way the card would: an echo when the card
    /// accepts it, silence (ICC_MUTE) otherwise. PPS2 and PPS3 are declined by leaving
    /// them out of the echo.
    private mutating func protocolParameterSelection(_ command: CCIDCommand) -> PlannedFrame {
        ppsAllowed = false
        let request = command.payload
        guard request.count >= 3, request.reduce(0, ^) == 0 else { return failure(command, .iccMute) }

        let pps0 = request[1]
        let optionalCount = [0x10, 0x20, 0x40].filter { pps0 & $0 != 0 }.count
        guard request.count == 3 + optionalCount else { return failure(command, .iccMute) }

        let protocolNumber = pps0 & 0x0F
        guard protocolNumber == 0 || (protocolNumber == 1 && mode.protocols & 0x02 != 0) else {
            return failure(command, .iccMute)
        }
        let fiDi = pps0 & 0x10 != 0 ? request[2] : 0x11
        guard CardATR.supportsSpeed(fiDi: fiDi) else { return failure(command, .iccMute) }

        var echo: [UInt8] = [0xFF, pps0 & 0x1F]
        if pps0 & 0x10 != 0 { echo.append(fiDi) }
        echo.append(echo.reduce(0, ^))

        changeParameters(protocolNumber == 1 ? .t1(fiDi: fiDi) : .t0(fiDi: fiDi))
        return frame(answer(command, payload: echo))
    }

    /// Returns the response frame of a command, preceded by a time-extension frame every
    /// second while the card is busy for `milliseconds`.
    private func busyFrames(
        _ command: CCIDCommand, payload: [UInt8], milliseconds: UInt32, chainParameter: UInt8 = 0
    ) -> [PlannedFrame] {
        let interval = Self.timeExtensionIntervalMilliseconds
        var frames: [PlannedFrame] = []
        if milliseconds > 0 {
            for delay in stride(from: 0, to: milliseconds, by: Int(interval)) {
                var interim = interimFrame(for: command)
                interim.delayMilliseconds = delay
                frames.append(interim)
            }
        }
        frames.append(frame(answer(command, specific: chainParameter, payload: payload), delay: milliseconds))
        return frames
    }
}

// MARK: - Building responses

extension VirtualSlot {
    /// bClockStatus: 0 running, 1 stopped in state L.
    var clockStatus: UInt8 { clockStopped ? 1 : 0 }

    func answer(_ command: CCIDCommand, specific: UInt8 = 0, payload: [UInt8] = []) -> CCIDResponse {
        CCIDResponse(
            type: command.responseType, slot: command.slot, sequence: command.sequence,
            iccStatus: iccStatus, specific: specific, payload: payload)
    }

    func failure(_ command: CCIDCommand, _ error: SlotError) -> PlannedFrame {
        var response = answer(command)
        response.commandStatus = .failed
        response.error = error.rawValue
        return frame(response)
    }

    func interimFrame(for command: CCIDCommand) -> PlannedFrame {
        var response = answer(command)
        response.commandStatus = .timeExtension
        response.error = 1
        return frame(response)
    }

    func frame(_ response: CCIDResponse, delay: UInt32 = 0) -> PlannedFrame {
        PlannedFrame(bytes: response.bytes, delayMilliseconds: delay)
    }
}
