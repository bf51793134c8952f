import PCSCTypes
import USBTransport

extension CCIDReader {
    /// Returns the value of an `SCardGetAttrib` attribute, or nil when the reader does not
    /// support it (pcscd then returns SCARD_E_UNSUPPORTED_FEATURE).
    ///
    /// Integers are 4 bytes in host order (little-endian here), strings end with a NUL.
    /// Supported: ATR_STRING (empty when unpowered), ICC_PRESENCE (fresh GetSlotStatus:
    /// 2 present, 0 absent), ICC_INTERFACE_STATUS (1 when a card is present),
    /// VENDOR_IFD_VERSION (bcdDevice << 16), VENDOR_NAME, VENDOR_IFD_TYPE (iProduct),
    /// VENDOR_IFD_SERIAL_NO (empty without a serial), MAXINPUT (dwMaxCCIDMessageLength − 10),
    /// CHANNEL_ID (0x0020 << 16 | bus << 8 | address), MAX_IFSD, ASYNC_PROTOCOL_TYPES,
    /// DEFAULT_CLK, MAX_CLK, DEFAULT_DATA_RATE, MAX_DATA_RATE, CURRENT_PROTOCOL_TYPE, and
    /// CURRENT_IFSC / CURRENT_IFSD while the host runs T=1. The friendly and system names
    /// are for the daemon to return.
    public func attribute(slot: Int, id: AttributeID) throws(CCIDError) -> [UInt8]? {
        try checkSlot(slot)
        if let value = staticAttribute(id) { return value }

        return try withState { (state: inout ReaderState) throws(CCIDError) -> [UInt8]? in
            try slotAttribute(id, slot: slot, state: &state)
        }
    }

    private func staticAttribute(_ id: AttributeID) -> [UInt8]? {
        let descriptor = configuration.interface.descriptor
        let info = device.info
        switch id {
        case .vendorIFDVersion:
            return integer(UInt32(configuration.firmwareRelease) << 16)
        case .vendorName:
            return nulTerminated(strings.manufacturer)
        case .vendorIFDType:
            return nulTerminated(strings.product)
        case .vendorIFDSerialNumber:
            return nulTerminated(strings.serialNumber)
        case .maxInput:
            return integer(descriptor.maxMessageLength &- UInt32(CCIDMessageHeader.length))
        case .channelID:
            return integer(0x0020 << 16 | UInt32(info.busNumber) << 8 | UInt32(info.deviceAddress))
        case .maxIFSD:
            return integer(configuration.maxIFSD)
        case .asyncProtocolTypes:
            return integer(configuration.protocols.rawValue)
        case .defaultClock:
            return integer(descriptor.defaultClock)
        case .maxClock:
            return integer(descriptor.maximumClock)
        case .defaultDataRate:
            return integer(descriptor.dataRate)
        case .maxDataRate:
            return integer(configuration.maxDataRate)
        default:
            return nil
        }
    }

    private func slotAttribute(_ id: AttributeID, slot: Int, state: inout ReaderState) throws(CCIDError) -> [UInt8]? {
        let slotState = state.slots[slot]
        switch id {
        case .atrString:
            return slotState.atr ?? []
        case .iccPresence:
            return [try readICCStatus(slot: slot, state: &state).isPresent ? 2 : 0]
        case .iccInterfaceStatus:
            return [try readICCStatus(slot: slot, state: &state).isPresent ? 1 : 0]
        case .currentProtocolType:
            return integer(slotState.selectedProtocol?.rawValue ?? 0)
        case .currentIFSC:
            return slotState.t1.map { integer(UInt32($0.ifsc)) }
        case .currentIFSD:
            return slotState.t1.map { integer(UInt32($0.ifsd)) }
        default:
            return nil
        }
    }

    private func integer(_ value: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(value)
        return bytes
    }

    /// The string with a NUL, or empty when there is none (libccid returns length 0).
    private func nulTerminated(_ text: String?) -> [UInt8] {
        guard let text, !text.isEmpty else { return [] }
        return Array(text.utf8) + [0]
    }
}
