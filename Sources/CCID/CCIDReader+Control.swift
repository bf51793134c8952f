import PCSCTypes

extension CCIDReader {
    /// Performs an `SCardControl` request (PC/SC part 10 and the raw escape) and returns
    /// the output.
    ///
    /// Supported codes: CM_IOCTL_GET_FEATURE_REQUEST (0x42000D48, and the Windows value
    /// 0x00313520 sent by RDP clients), the VERIFY/MODIFY_PIN_DIRECT, IFD_PIN_PROPERTIES,
    /// GET_TLV_PROPERTIES and MCT_READER_DIRECT features the reader advertises, and
    /// IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE when raw escapes are allowed (or for the
    /// Gemalto and OMNIKEY 5427 CK exceptions). Other codes throw `.notSupported`, and
    /// output longer than `maxOutput` throws `.insufficientBuffer`.
    public func control(slot: Int, code: ControlCode, input: [UInt8], maxOutput: Int) throws(CCIDError) -> [UInt8] {
        try checkSlot(slot)
        let output = try withState { (state: inout ReaderState) throws(CCIDError) -> [UInt8] in
            try performControl(slot: slot, code: code, input: input, state: &state)
        }
        guard output.count <= maxOutput else { throw .insufficientBuffer(needed: output.count) }
        return output
    }

    /// The part 10 features this reader advertises.
    public var features: [FeatureTag] {
        PartTenFeatures.features(configuration: configuration, allowsRawEscape: options.allowsRawEscape)
    }

    private func performControl(slot: Int, code: ControlCode, input: [UInt8], state: inout ReaderState) throws(CCIDError) -> [UInt8] {
        let advertised = features
        switch code {
        case .getFeatureRequest, .getFeatureRequestWindows:
            return PartTenFeatures.featureList(advertised)
        case .verifyPINDirect where advertised.contains(.verifyPINDirect):
            return try securePIN(verify: true, structure: input, slot: slot, state: &state)
        case .modifyPINDirect where advertised.contains(.modifyPINDirect):
            return try securePIN(verify: false, structure: input, slot: slot, state: &state)
        case .ifdPINProperties:
            return PartTenFeatures.pinProperties(
                configuration: configuration, entryValidationCondition: entryValidationCondition(state))
        case .getTLVProperties:
            return PartTenFeatures.tlvProperties(
                configuration: configuration, allowsRawEscape: options.allowsRawEscape,
                firmwareID: try gemaltoFirmwareID(slot: slot, state: &state), pinProperties: pinProperties(state))
        case .mctReaderDirect where advertised.contains(.mctReaderDirect):
            return try mctReaderDirect(input, slot: slot, state: &state)
        case .vendorIFDExchange:
            guard escapeIsAllowed(input) else {
                throw .notSupported("raw escape commands to \(displayName); enable them in the daemon configuration")
            }
            return try escape(input, slot: slot, state: &state, timeout: CCIDTimeouts.vendorEscape)
        default:
            throw .notSupported("control code \(code) on \(displayName)")
        }
    }

    /// Sends PC_to_RDR_Escape and returns the reader's response data.
    func escape(_ data: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        let response = try transport.exchange(.escape(data), slot: slot, state: &state, timeout: timeout)
        guard response.status.commandStatus == .processed else {
            throw .communicationError(.commandFailed(.escape, response.error))
        }
        return response.payload
    }

    private func escapeIsAllowed(_ input: [UInt8]) -> Bool {
        if options.allowsRawEscape { return true }
        switch configuration.quirks.escapeExceptions {
        case .none:
            return false
        case .all:
            return true
        case .gemaltoFirmwareVersion:
            return input == [0x02]
        case .gemaltoProxDU:
            // "get firmware version", or the interface switch 52 F8 04 01 00 xx
            // (01 contactless, 02 contact).
            return input == [0x02] || (input.count == 6 && input.starts(with: [0x52, 0xF8, 0x04, 0x01, 0x00]))
        }
    }

    /// MCT_READER_DIRECT accepts only the SECODER commands CLA 0x20, INS 0x70–0x74 with
    /// P1 = P2 = Lind = 0, sent as an escape.
    private func mctReaderDirect(_ input: [UInt8], slot: Int, state: inout ReaderState) throws(CCIDError) -> [UInt8] {
        guard input.count >= 5, input[0] == 0x20, input[1] & 0xF0 == 0x70, input[1] & 0x0F <= 4,
            input[2] == 0, input[3] == 0, input[4] == 0
        else {
            throw .invalidParameter("MCT command \(hexString(Array(input.prefix(5)))) is not a SECODER command")
        }
        return try escape(input, slot: slot, state: &state, timeout: state.defaultReadTimeout)
    }

    private func entryValidationCondition(_ state: ReaderState) -> UInt8 {
        if let features = state.gemaltoFeatures { return features.entryValidationCondition }
        return configuration.quirks.defaultEntryValidationCondition(for: configuration.product)
    }

    private func pinProperties(_ state: ReaderState) -> PINProperties? {
        if let fixed = configuration.quirks.pinProperties { return fixed }
        guard let features = state.gemaltoFeatures else { return nil }
        return PINProperties(
            minimumPINSize: features.minimumPINSize, maximumPINSize: features.maximumPINSize,
            entryValidationCondition: features.entryValidationCondition)
    }

    /// Gemalto readers report their firmware version string in the TLV properties.
    private func gemaltoFirmwareID(slot: Int, state: inout ReaderState) throws(CCIDError) -> [UInt8]? {
        guard configuration.product.vendorID == KnownVendor.gemalto, case .bulk = transport else { return nil }
        if let cached = state.gemaltoFirmwareID { return cached }
        do {
            let answer = try escape([0x02], slot: slot, state: &state, timeout: state.defaultReadTimeout)
            state.gemaltoFirmwareID = answer
            return answer
        } catch .deviceGone {
            throw .deviceGone
        } catch {
            return nil
        }
    }
}
