/// `bMessageType` of CCID bulk and interrupt messages (CCID 1.1 §6).
public enum CCIDMessageType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Powers the card on and returns its ATR. `PC_to_RDR_IccPowerOn`.
    case iccPowerOn = 0x62
    /// Powers the card off. `PC_to_RDR_IccPowerOff`.
    case iccPowerOff = 0x63
    /// Asks for the slot state. `PC_to_RDR_GetSlotStatus`.
    case getSlotStatus = 0x65
    /// Sends data to the card. `PC_to_RDR_XfrBlock`.
    case xfrBlock = 0x6F
    /// Reads the protocol parameters. `PC_to_RDR_GetParameters`.
    case getParameters = 0x6C
    /// Restores the default protocol parameters. `PC_to_RDR_ResetParameters`.
    case resetParameters = 0x6D
    /// Sets the protocol parameters. `PC_to_RDR_SetParameters`.
    case setParameters = 0x61
    /// A vendor-specific command. `PC_to_RDR_Escape`.
    case escape = 0x6B
    /// Stops or restarts the card clock. `PC_to_RDR_IccClock`.
    case iccClock = 0x6E
    /// Changes the T=0 GET RESPONSE and ENVELOPE classes. `PC_to_RDR_T0APDU`.
    case t0APDU = 0x6A
    /// PIN verification or modification on the reader. `PC_to_RDR_Secure`.
    case secure = 0x69
    /// Moves the card mechanically. `PC_to_RDR_Mechanical`.
    case mechanical = 0x71
    /// Aborts the running command, after the ABORT control request. `PC_to_RDR_Abort`.
    case abort = 0x72
    /// Sets the card clock and data rate. `PC_to_RDR_SetDataRateAndClockFrequency`.
    case setDataRateAndClockFrequency = 0x73

    /// Card data or ATR. `RDR_to_PC_DataBlock`.
    case dataBlock = 0x80
    /// Slot state. `RDR_to_PC_SlotStatus`.
    case slotStatus = 0x81
    /// Protocol parameters. `RDR_to_PC_Parameters`.
    case parameters = 0x82
    /// Response to an escape. `RDR_to_PC_Escape`.
    case escapeResponse = 0x83
    /// Clock and data rate. `RDR_to_PC_DataRateAndClockFrequency`.
    case dataRateAndClockFrequency = 0x84

    /// Card inserted or removed (interrupt IN). `RDR_to_PC_NotifySlotChange`.
    case notifySlotChange = 0x50
    /// Hardware error (interrupt IN). `RDR_to_PC_HardwareError`.
    case hardwareError = 0x51

    /// The type of the reader's response to this command, or nil for responses and
    /// notifications.
    public var responseType: CCIDMessageType? {
        switch self {
        case .iccPowerOn, .xfrBlock, .secure: .dataBlock
        case .iccPowerOff, .getSlotStatus, .iccClock, .t0APDU, .mechanical, .abort: .slotStatus
        case .getParameters, .resetParameters, .setParameters: .parameters
        case .escape: .escapeResponse
        case .setDataRateAndClockFrequency: .dataRateAndClockFrequency
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .iccPowerOn: "PC_to_RDR_IccPowerOn"
        case .iccPowerOff: "PC_to_RDR_IccPowerOff"
        case .getSlotStatus: "PC_to_RDR_GetSlotStatus"
        case .xfrBlock: "PC_to_RDR_XfrBlock"
        case .getParameters: "PC_to_RDR_GetParameters"
        case .resetParameters: "PC_to_RDR_ResetParameters"
        case .setParameters: "PC_to_RDR_SetParameters"
        case .escape: "PC_to_RDR_Escape"
        case .iccClock: "PC_to_RDR_IccClock"
        case .t0APDU: "PC_to_RDR_T0APDU"
        case .secure: "PC_to_RDR_Secure"
        case .mechanical: "PC_to_RDR_Mechanical"
        case .abort: "PC_to_RDR_Abort"
        case .setDataRateAndClockFrequency: "PC_to_RDR_SetDataRateAndClockFrequency"
        case .dataBlock: "RDR_to_PC_DataBlock"
        case .slotStatus: "RDR_to_PC_SlotStatus"
        case .parameters: "RDR_to_PC_Parameters"
        case .escapeResponse: "RDR_to_PC_Escape"
        case .dataRateAndClockFrequency: "RDR_to_PC_DataRateAndClockFrequency"
        case .notifySlotChange: "RDR_to_PC_NotifySlotChange"
        case .hardwareError: "RDR_to_PC_HardwareError"
        }
    }
}

/// `bPowerSelect` of PC_to_RDR_IccPowerOn.
public enum PowerSelect: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The reader chooses the voltage.
    case automatic = 0
    /// 5.0 V.
    case volts5 = 1
    /// 3.0 V.
    case volts3 = 2
    /// 1.8 V.
    case volts1_8 = 3

    public var description: String {
        switch self {
        case .automatic: "automatic voltage"
        case .volts5: "5 V"
        case .volts3: "3 V"
        case .volts1_8: "1.8 V"
        }
    }
}

/// `bClockCommand` of PC_to_RDR_IccClock.
public enum ClockCommand: UInt8, Sendable, Hashable {
    /// Restart the clock.
    case restart = 0
    /// Stop the clock in the state the parameters give.
    case stop = 1
}

/// `bFunction` of PC_to_RDR_Mechanical.
public enum MechanicalFunction: UInt8, Sendable, Hashable {
    /// Draw the card in.
    case accept = 1
    /// Eject the card.
    case eject = 2
    /// Capture the card.
    case capture = 3
    /// Lock the card in.
    case lock = 4
    /// Unlock the card.
    case unlock = 5
}

/// The extended-APDU chaining values of `wLevelParameter` (commands) and
/// `bChainParameter` (responses).
public enum ChainParameter: UInt16, Sendable, Hashable {
    /// This block begins and ends the APDU.
    case complete = 0x0000
    /// This block begins the APDU; more follow.
    case begins = 0x0001
    /// This block continues and ends the APDU.
    case ends = 0x0002
    /// This block continues the APDU; more follow.
    case continues = 0x0003
    /// Empty block: the other side should send the next block.
    case continueRequest = 0x0010

    /// Whether more blocks of the same APDU follow this one.
    public var hasMoreBlocks: Bool {
        self == .begins || self == .continues || self == .continueRequest
    }
}
