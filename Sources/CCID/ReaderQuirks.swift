/// Work-arounds for specific reader models, keyed by VID:PID (and firmware release where
/// it matters). The table reproduces the quirks of libccid 1.8.2 (`ccid.c`, `commands.c`,
/// `ifdhandler.c`, `ccid_usb.c`) so that readers behave as they do under pcscd.
public struct ReaderQuirks: Sendable, Hashable {
    /// Firmware releases (`bcdDevice`) below this value are refused, because those
    /// firmwares are known to be broken. `CCIDReaderOptions.allowsOutdatedFirmware` overrides.
    public var minimumFirmwareRelease: UInt16?
    /// The exchange level the firmware really implements, when it differs from the
    /// descriptor's.
    public var exchangeLevelOverride: ExchangeLevel?
    /// The PIN pad is ignored: either the reader has none despite `bPINSupport`, or its
    /// secure PIN entry also sends the PIN to the host.
    public var pinPadDisabled = false
    /// Read timeout during open, and until the first SetParameters, for readers that respond
    /// to GetSlotStatus slowly. Milliseconds.
    public var openTimeoutMilliseconds: UInt32?
    /// Pause before the first command at open. Milliseconds.
    public var openDelayMilliseconds: UInt32 = 0
    /// Added to the T=1 read timeout (on-board key generation). Milliseconds.
    public var extraT1TimeoutMilliseconds: UInt32 = 0
    /// Replaces `dwMaxDataRate`.
    public var maxDataRateOverride: UInt32?
    /// Data rates above this value are dropped from the GET_DATA_RATES response and
    /// `dwMaxDataRate` is capped to it.
    public var dataRateCeiling: UInt32?
    /// The only data rates of slots other than slot 0.
    public var secondarySlotDataRates: [UInt32]?
    /// The host never sends a PPS and uses the ATR's default protocol instead.
    public var neverSendPPS = false
    /// A failed SetParameters is followed by two card resets and then ignored.
    public var resetsCardWhenSetParametersFails = false
    /// The reader does not accept the host's S(IFS request), so the host behaves as if
    /// `dwFeatures` had the automatic IFSD exchange bit.
    public var skipsIFSDNegotiation = false
    /// Replaces `dwMaxIFSD`.
    public var maxIFSDOverride: UInt32?
    /// Every power-on is preceded by a power-off.
    public var powersOffBeforePowerOn = false
    /// A power-on failing with vendor error 0xBB (EMV-mode protocol error) is followed by the
    /// escape `1F 01` (switch to ISO mode) and one more attempt.
    public var switchesToISOModeOnEMVError = false
    /// The reader always reports a card in every slot; presence comes from the outcome of
    /// the last power-on instead.
    public var reportsCardAlwaysPresent = false
    /// Rewrites of PIN verify and modify frames for this reader's firmware.
    public var securePIN = SecurePINQuirks()
    /// Fixed PIN properties, when the reader's are known.
    public var pinProperties: PINProperties?
    /// The driver requests the Gemalto firmware's feature block (escape 0x6A) at open.
    public var queriesGemaltoFirmwareFeatures = false
    /// The driver responds to the Kobil IDToken pseudo-APDUs `FF 9A 01 xx 00` itself.
    public var answersIDTokenPseudoAPDUs = false
    /// The reader offers `FEATURE_MCT_READER_DIRECT`.
    public var offersMCTReaderDirect = false
    /// The escapes `IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE` passes when raw escapes are off.
    public var escapeExceptions = EscapeExceptions.none
    /// The reader declares `dwMaxCCIDMessageLength` = 263 (an SCM firmware bug) and accepts
    /// longer messages.
    public var acceptsLongerMessagesThanDeclared = false

    public init() {}
}

/// Frame rewrites that some PIN pad firmwares need before PC_to_RDR_Secure.
public struct SecurePINQuirks: Sendable, Hashable {
    /// Verify: bNumberMessage forced to 1 and bEntryValidationCondition to 0x02; modify:
    /// bEntryValidationCondition 0x02 (GemPC Pinpad, Covadis Véga-Alpha).
    public var gemPCPinpadFrames = false
    /// The modify frame keeps all three message indexes whatever the value of bNumberMessage, and
    /// the real bNumberMessage is written back afterwards (Gemalto firmware).
    public var modifyAlwaysCarriesThreeMessageIndexes = false
    /// Verify: bNumberMessage forced to 0 and a 250 ms pause first (Dell keyboards).
    public var verifyWithoutMessagesAfterPause = false
    /// Verify: the two bytes of wPINMaxExtraDigit are swapped (Dell SK-3106).
    public var swapsVerifyMaxExtraDigit = false
    /// Verify of a case-1 APDU with bmPINBlockString 0: escape `80 02 00` first (SCM SPR532).
    public var spr532CaseOneEscape = false
    /// Modify: built with three zero message indexes and bNumberMessage 0 in the sent frame
    /// (SCM SPR532, Cherry ST-2000).
    public var modifyWithZeroMessages = false
    /// Modify: bNumberMessage forced to 3 (Cherry SmartBoard XX44).
    public var modifyWithThreeMessages = false
    /// Modify: bNumberMessage 0 replaced by 0xFF (Cherry KC 1000 SC).
    public var modifyZeroMessagesAsDefault = false

    public init() {}
}

/// The PIN pad limits reported by IFD_PIN_PROPERTIES and GET_TLV_PROPERTIES.
public struct PINProperties: Sendable, Hashable {
    public var minimumPINSize: UInt8
    public var maximumPINSize: UInt8
    /// bEntryValidationCondition; nil when the TLV list leaves it out.
    public var entryValidationCondition: UInt8?

    public init(minimumPINSize: UInt8, maximumPINSize: UInt8, entryValidationCondition: UInt8?) {
        self.minimumPINSize = minimumPINSize
        self.maximumPINSize = maximumPINSize
        self.entryValidationCondition = entryValidationCondition
    }
}

/// The raw escapes a reader accepts even when raw escapes are disabled.
public enum EscapeExceptions: Sendable, Hashable {
    /// None.
    case none
    /// Gemalto: "get firmware version" (`02`).
    case gemaltoFirmwareVersion
    /// Gemalto Prox-DU: "get firmware version" and the interface switch `52 F8 04 01 00 xx`.
    case gemaltoProxDU
    /// Every escape (HID OMNIKEY 5427 CK).
    case all
}

extension ReaderQuirks {
    /// Looks up the quirks of a reader model.
    public init(product: USBProductID, firmwareRelease: UInt16, declaredMaxMessageLength: UInt32) {
        self.init()
        minimumFirmwareRelease = Self.minimumFirmwareReleases[product]
        applyExchangeLevelQuirks(product, firmwareRelease)
        pinPadDisabled = Self.fakeOrLeakingPINPads.contains(product)
        applyTimingQuirks(product)
        applySpeedQuirks(product, firmwareRelease)
        applyPowerQuirks(product, firmwareRelease)
        applySecurePINQuirks(product)
        applyPINPropertyQuirks(product, firmwareRelease)
        applyEscapeQuirks(product)
        acceptsLongerMessagesThanDeclared = declaredMaxMessageLength == 263
    }

    /// Minimum firmware releases (libccid's firmware blacklist).
    static let minimumFirmwareReleases: [USBProductID: UInt16] = [
        USBProductID(0x04E6, 0xE001): 0x0516,  // SCR 331
        USBProductID(0x04E6, 0x5111): 0x0620,  // SCR 331-DI
        USBProductID(0x04E6, 0xE003): 0x0510,  // SPR 532
        USBProductID(0x0D46, 0x3001): 0x0037,  // KAAN Base
        USBProductID(0x0D46, 0x3002): 0x0037,  // KAAN Advanced
        USBProductID(0x09C3, 0x0008): 0x0203,  // ActivCard V2
        USBProductID(0x0DC3, 0x1004): 0x0502,  // Athena ASE IIIe
        USBProductID(0x0DC3, 0x1102): 0x0607,  // ASEDrive IIIe KB
        USBProductID(0x058F, 0x9520): 0x0102,  // Alcor AU9520
        USBProductID(0x072F, 0x2200): 0x0206,  // ACS ACR122U
        USBProductID(0x08C3, 0x0402): 0x5000,  // Precise 200 MC
        USBProductID(0x08C3, 0x0401): 0x5000,  // Precise 250 MC
        USBProductID(0x0B0C, 0x0050): 0x0101,  // Todos Argos Mini II
        USBProductID(0x0DC3, 0x0900): 0x0200,  // Athena IDProtect Key v2
        USBProductID(0x03F0, 0x0036): 0x0124,  // HP USB CCID Smartcard Keyboard
        USBProductID(0x062D, 0x0001): 0x0102,  // THRC reader
        USBProductID(0x04E6, 0x5291): 0x0112,  // SCM SCL010
    ]

    /// Readers whose firmware chains responses although the descriptor declares short APDU.
    static let extendedAPDUReaders: Set<USBProductID> = [
        KnownReader.hidAviator, KnownReader.hidOmnikey3x21, KnownReader.hidOmnikey6121,
        KnownReader.cherrySmartTerminalXX44, KnownReader.fujitsuD323, KnownReader.dieboldNixdorfPN7362AU,
    ]

    /// PIN pads that do not exist or that also send the PIN to the host.
    static let fakeOrLeakingPINPads: Set<USBProductID> = [
        KnownReader.hpSmartCardKeyboard, KnownReader.hpCCIDSmartCardKeyboard,
        KnownReader.fujitsuSmartCaseKeyboard, KnownReader.chiconyHPSkylabKeyboard,
        KnownReader.c3poLTC31v2, KnownReader.hidAviator, KnownReader.hidOmnikey3x21,
        KnownReader.hidOmnikey6121, KnownReader.cherrySmartTerminalXX44, KnownReader.fujitsuD323,
        KnownReader.bit4idMiniLector,
    ]

    private mutating func applyExchangeLevelQuirks(_ product: USBProductID, _ firmwareRelease: UInt16) {
        if Self.extendedAPDUReaders.contains(product) {
            exchangeLevelOverride = .extendedAPDU
        }
        if product == KnownReader.cherryKC1000SC && firmwareRelease == 0x0100 {
            // Firmware 1.00 declares short APDU but chains T=1 case-2 responses beyond 128 bytes.
            exchangeLevelOverride = .extendedAPDU
        }
        if product == KnownReader.kobilTriBank {
            // Declares extended APDU but cannot do it.
            exchangeLevelOverride = .shortAPDU
        }
    }

    private mutating func applyTimingQuirks(_ product: USBProductID) {
        switch product {
        case KnownReader.id3CL1356D:
            openDelayMilliseconds = 1000
            openTimeoutMilliseconds = 60_000
        case KnownReader.elatecTWN4CCIDCDC, KnownReader.elatecTWN4CCID, KnownReader.acsACR122U:
            openTimeoutMilliseconds = 30_000
        case KnownReader.scmSCL011, KnownReader.identivUTrust3700F, KnownReader.identivUTrust3701F,
            KnownReader.identivUTrust4701F:
            openTimeoutMilliseconds = 12_000
        case KnownReader.eTokenFusionNFC:
            extraT1TimeoutMilliseconds = 5 * 60 * 1000
        default:
            break
        }
    }

    private mutating func applySpeedQuirks(_ product: USBProductID, _ firmwareRelease: UInt16) {
        switch product {
        case KnownReader.o2MicroOZ776, KnownReader.o2MicroOZ776_7772:
            maxDataRateOverride = 9600
            neverSendPPS = true
        case KnownReader.alcorMicroAU9540:
            dataRateCeiling = 200_000
            resetsCardWhenSetParametersFails = true
        case KnownReader.gemCorePOSPro, KnownReader.gemCoreSIMPro:
            if firmwareRelease < 0x0200 {
                secondarySlotDataRates = [10753, 21505, 43011, 125_000]
            }
        case KnownReader.safeNetEToken5100:
            if firmwareRelease == 0x0012 || firmwareRelease == 0x0013 {
                skipsIFSDNegotiation = true
            }
        case KnownReader.mySmartPad:
            maxIFSDOverride = 254
        default:
            break
        }
    }

    private mutating func applyPowerQuirks(_ product: USBProductID, _ firmwareRelease: UInt16) {
        powersOffBeforePowerOn = product == KnownReader.kobilIDToken
        answersIDTokenPseudoAPDUs = product == KnownReader.kobilIDToken
        switchesToISOModeOnEMVError =
            product == KnownReader.gemPC433Swap || product == KnownReader.cherrySmartBoardXX33
        reportsCardAlwaysPresent = product == KnownReader.gemCoreSIMPro && firmwareRelease < 0x0200
    }

    private mutating func applySecurePINQuirks(_ product: USBProductID) {
        let gemalto = product.vendorID == KnownVendor.gemalto
        securePIN.gemPCPinpadFrames =
            product == KnownReader.gemPCPinpad || product == KnownReader.covadisVegaAlpha
        securePIN.modifyAlwaysCarriesThreeMessageIndexes = gemalto || product == KnownReader.covadisVegaAlpha
        securePIN.verifyWithoutMessagesAfterPause =
            product == KnownReader.dellSK3106 || product == KnownReader.dellSmartCardReaderKeyboard
        securePIN.swapsVerifyMaxExtraDigit = product == KnownReader.dellSK3106
        securePIN.spr532CaseOneEscape = product == KnownReader.scmSPR532
        securePIN.modifyWithZeroMessages = product == KnownReader.scmSPR532 || product == KnownReader.cherryST2000
        securePIN.modifyWithThreeMessages = product == KnownReader.cherrySmartBoardXX44
        securePIN.modifyZeroMessagesAsDefault = product == KnownReader.cherryKC1000SC
        queriesGemaltoFirmwareFeatures = gemalto
        offersMCTReaderDirect =
            product == KnownReader.kobilTriBank || product == KnownReader.kobilMIDentityVisual
    }

    private mutating func applyPINPropertyQuirks(_ product: USBProductID, _ firmwareRelease: UInt16) {
        switch product {
        case KnownReader.gemPCPinpad where firmwareRelease == 0x0100, KnownReader.covadisVegaAlpha:
            pinProperties = PINProperties(minimumPINSize: 4, maximumPINSize: 8, entryValidationCondition: 0x02)
        case KnownReader.cherryST2000:
            pinProperties = PINProperties(minimumPINSize: 0, maximumPINSize: 25, entryValidationCondition: 0x02)
        case KnownReader.cherryKC1000SC:
            pinProperties = PINProperties(minimumPINSize: 0, maximumPINSize: 32, entryValidationCondition: nil)
        case KnownReader.hidOmnikey3821:
            pinProperties = PINProperties(minimumPINSize: 1, maximumPINSize: 31, entryValidationCondition: nil)
        default:
            break
        }
    }

    private mutating func applyEscapeQuirks(_ product: USBProductID) {
        if product == KnownReader.hidOmnikey5427CK {
            escapeExceptions = .all
        } else if product == KnownReader.gemaltoProxDU {
            escapeExceptions = .gemaltoProxDU
        } else if product.vendorID == KnownVendor.gemalto {
            escapeExceptions = .gemaltoFirmwareVersion
        }
    }

    /// bEntryValidationCondition reported in PIN_PROPERTIES when nothing better is known:
    /// 0x02 (validation key) for the readers that only accept it, else 0x07 (any).
    func defaultEntryValidationCondition(for product: USBProductID) -> UInt8 {
        switch product {
        case KnownReader.gemPCPinpad, KnownReader.covadisVegaAlpha, KnownReader.cherryST2000: 0x02
        default: 0x07
        }
    }
}
