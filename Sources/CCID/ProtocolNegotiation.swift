import PCSCTypes

/// The reader capabilities that protocol selection depends on.
public struct NegotiationContext: Sendable, Hashable {
    /// Effective `dwFeatures`.
    public var features: CCIDFeatures
    /// `dwProtocols`.
    public var readerProtocols: CardProtocols
    public var exchangeLevel: ExchangeLevel
    /// `dwDefaultClock`, in kHz.
    public var defaultClock: UInt32
    /// Effective `dwMaxDataRate`, in bit/s.
    public var maxDataRate: UInt32
    /// The rates of GET_DATA_RATES, or nil when the reader gave no list (then any rate up
    /// to `maxDataRate` is usable).
    public var dataRates: [UInt32]?
    /// Effective `dwMaxIFSD`.
    public var maxIFSD: UInt32
    /// The largest command payload of one bulk message.
    public var maxCommandDataLength: Int
    /// The reader never gets a PPS.
    public var neverSendPPS: Bool
    /// Added to the T=1 read timeout, in milliseconds.
    public var extraT1Timeout: UInt32

    public init(
        features: CCIDFeatures, readerProtocols: CardProtocols, exchangeLevel: ExchangeLevel,
        defaultClock: UInt32, maxDataRate: UInt32, dataRates: [UInt32]?, maxIFSD: UInt32,
        maxCommandDataLength: Int, neverSendPPS: Bool = false, extraT1Timeout: UInt32 = 0
    ) {
        self.features = features
        self.readerProtocols = readerProtocols
        self.exchangeLevel = exchangeLevel
        self.defaultClock = defaultClock
        self.maxDataRate = maxDataRate
        self.dataRates = dataRates
        self.maxIFSD = maxIFSD
        self.maxCommandDataLength = maxCommandDataLength
        self.neverSendPPS = neverSendPPS
        self.extraT1Timeout = extraT1Timeout
    }
}

/// The T=1 settings the host engine needs after protocol selection.
public struct T1Setup: Sendable, Hashable {
    public var ifsc: Int
    public var errorDetection: T1ErrorDetection
    /// The IFSD to announce with S(IFS request), or nil when the reader does it itself or
    /// transports APDUs.
    public var ifsdToNegotiate: UInt8?
    /// The largest information field that fits in one reader message.
    public var maxInformationLength: Int
}

/// The steps that select a protocol for a powered card (libccid's decision tree).
public struct ProtocolNegotiationPlan: Sendable, Hashable {
    /// The protocol to select: `.t0` or `.t1`.
    public var selectedProtocol: CardProtocols
    /// The PPS request to send as a raw XfrBlock, or nil for none.
    public var ppsRequest: [UInt8]?
    /// PPS1 proposed to the card (or to a reader that performs the PPS itself).
    public var proposedFindexDindex: UInt8?
    /// Whether SetParameters is sent.
    public var sendsSetParameters: Bool
    /// The read timeout that applies once the protocol is set, in milliseconds.
    public var readTimeout: UInt32
    /// T=1 settings; nil for T=0.
    public var t1: T1Setup?

    let atr: ATR
    let waitingIntegersT1: UInt8

    /// Builds the SetParameters structure for the Fi/Di the PPS exchange settled on.
    public func parameters(findexDindex: UInt8) -> ProtocolParameters {
        let inverse: UInt8 = atr.convention == .inverse ? 0x02 : 0
        if selectedProtocol == .t1 {
            let crc: UInt8 = t1?.errorDetection == .crc ? 0x01 : 0
            return .t1(T1Parameters(
                findexDindex: findexDindex, checksumAndConvention: 0x10 | crc | inverse,
                guardTime: atr.extraGuardTime, waitingIntegers: waitingIntegersT1, clockStop: 0,
                ifsc: UInt8(clamping: atr.t1Parameters.ifsc), nad: 0))
        }
        return .t0(T0Parameters(
            findexDindex: findexDindex, convention: inverse, guardTime: atr.extraGuardTime,
            waitingInteger: atr.waitingInteger, clockStop: 0))
    }

    /// Fi/Di for SetParameters when no PPS is sent.
    public var findexDindexWithoutPPS: UInt8 { proposedFindexDindex ?? 0x11 }
}

/// The card's reaction to a PPS request.
public enum PPSOutcome: Sendable, Hashable {
    /// The card accepted the protocol; it runs at this Fi/Di (0x11 when it did not echo PPS1).
    case accepted(findexDindex: UInt8)
    /// The response does not match the request, so the card must be reset.
    case rejected
}

public enum ProtocolNegotiation {
    /// The ATR of the OpenPGP card whose on-card key generation outlasts BWI 4.
    static let openPGPCardATR: [UInt8] = [
        0x3B, 0xFA, 0x13, 0x00, 0xFF, 0x81, 0x31, 0x80, 0x45, 0x00, 0x31, 0xC1, 0x73, 0xC0, 0x01, 0x00, 0x00, 0x90, 0x00, 0xB1,
    ]

    /// Plans the selection of `requested` (exactly `.t0` or `.t1`).
    public static func plan(requested: CardProtocols, atr: ATR, context: NegotiationContext) throws(CCIDError) -> ProtocolNegotiationPlan {
        guard requested == .t0 || requested == .t1, context.readerProtocols.contains(requested),
            atr.availableProtocols.contains(requested)
        else { throw .protocolNotSupported(requested) }

        let mode = atr.specificMode
        if let mode, mode.usesImplicitParameters {
            throw .cardUnsupported("the card is in specific mode with implicit parameters (TA2 = 0x\(hex2(atr.ta2 ?? 0)))")
        }

        let automaticNegotiation = context.features.contains(.automaticParameterNegotiation)
        let proposed = automaticNegotiation ? nil : try proposedSpeed(atr: atr, context: context)

        let isDefaultProtocol = atr.defaultProtocol == requested
        let sendsPPS =
            !automaticNegotiation && !context.features.contains(.automaticPPS) && mode == nil
            && !context.neverSendPPS && (!isDefaultProtocol || proposed != nil)

        let t1Parameters = atr.t1Parameters
        var waitingIntegers = t1Parameters.waitingIntegers
        if atr.bytes == openPGPCardATR {
            // On-card key generation of this card needs BWI 7 instead of 4.
            waitingIntegers = 0x75
        }

        let readTimeout: UInt32
        var t1: T1Setup?
        if requested == .t1 {
            readTimeout = CCIDTimeouts.t1ReadTimeout(atr: atr, clockKHz: context.defaultClock, waitingIntegers: waitingIntegers)
                .addingReportingOverflow(context.extraT1Timeout).partialValue
            t1 = t1Setup(atr: atr, context: context)
        } else {
            readTimeout = CCIDTimeouts.t0ReadTimeout(atr: atr, clockKHz: context.defaultClock)
        }

        return ProtocolNegotiationPlan(
            selectedProtocol: requested,
            ppsRequest: sendsPPS ? ppsRequest(protocolNumber: requested == .t1 ? 1 : 0, pps1: proposed) : nil,
            proposedFindexDindex: proposed,
            sendsSetParameters: !automaticNegotiation,
            readTimeout: readTimeout,
            t1: t1,
            atr: atr,
            waitingIntegersT1: waitingIntegers)
    }

    /// Chooses PPS1 from TA1: the card's speed when it is faster than the default and the
    /// reader supports it, else (in negotiable mode) the fastest lower Di with Fi 512 that
    /// the reader supports, else nil. In specific mode a card speed the reader lacks is an
    /// error, because the card cannot slow down.
    static func proposedSpeed(atr: ATR, context: NegotiationContext) throws(CCIDError) -> UInt8? {
        guard let ta1 = atr.ta1, let f = atr.clockRateConversion, let d = atr.bitRateAdjustment else { return nil }

        let clock = UInt64(context.defaultClock)
        let cardRate = 1000 * clock * UInt64(d) / UInt64(f)
        let defaultRate = 1000 * clock / 372
        guard cardRate > defaultRate else { return nil }

        if isSupported(cardRate, context) {
            return ta1
        }
        if atr.specificMode != nil {
            throw .cardUnsupported("the card requires \(cardRate) bit/s, which the reader does not support")
        }
        if cardRate > UInt64(context.maxDataRate) + 2 && ta1 <= 0x97 && ta1 > 0x94 {
            for candidate in stride(from: ta1 - 1, through: 0x94, by: -1) {
                guard let cf = ATR.clockRateConversionTable[Int(candidate >> 4)],
                    let cd = ATR.bitRateAdjustmentTable[Int(candidate & 0x0F)]
                else { continue }
                if isSupported(1000 * clock * UInt64(cd) / UInt64(cf), context) {
                    return candidate
                }
            }
        }
        return nil
    }

    private static func isSupported(_ rate: UInt64, _ context: NegotiationContext) -> Bool {
        guard rate <= UInt64(context.maxDataRate) else { return false }
        guard let rates = context.dataRates, !rates.isEmpty else { return true }
        return rates.contains { UInt64($0) + 2 >= rate && UInt64($0) <= rate + 2 }
    }

    /// Builds the PPS request: PPSS 0xFF, PPS0, optional PPS1, PCK.
    public static func ppsRequest(protocolNumber: UInt8, pps1: UInt8?) -> [UInt8] {
        var request: [UInt8] = [0xFF, (pps1 != nil ? 0x10 : 0) | protocolNumber]
        if let pps1 { request.append(pps1) }
        request.append(request.reduce(0, ^))
        return request
    }

    /// Checks the card's PPS response: identical to the request, or a shorter valid
    /// response for the same protocol that echoes PPS1 unchanged when it has one.
    public static func evaluatePPSResponse(request: [UInt8], response: [UInt8]) -> PPSOutcome {
        let requestedPPS1: UInt8? = request.count >= 4 && request[1] & 0x10 != 0 ? request[2] : nil
        if response == request {
            return .accepted(findexDindex: requestedPPS1 ?? 0x11)
        }

        guard response.count >= 3, response.count < request.count, response[0] == 0xFF,
            response[1] & 0x0F == request[1] & 0x0F, response.reduce(0, ^) == 0
        else { return .rejected }

        let echoesPPS1 = response[1] & 0x10 != 0
        guard echoesPPS1 else { return .accepted(findexDindex: 0x11) }
        guard response.count >= 4, let requestedPPS1, response[2] == requestedPPS1 else { return .rejected }
        return .accepted(findexDindex: requestedPPS1)
    }

    /// IFSC from the ATR and the IFSD to negotiate, both capped so that a block fits in one
    /// reader message. TPDU and character readers without automatic IFSD exchange negotiate
    /// IFSD = `dwMaxIFSD`, at most 254.
    ///
    /// A reader declaring `dwMaxIFSD` 0 gets no S(IFS request), so IFSD stays at the default
    /// 32. NOTE: libccid sends S(IFS request) with INF 0 there, which ISO 7816-3 reserves.
    static func t1Setup(atr: ATR, context: NegotiationContext) -> T1Setup {
        let parameters = atr.t1Parameters
        let blockOverhead = 3 + parameters.errorDetection.length
        let maxInformation = max(1, min(T1Block.maxInformationLength, context.maxCommandDataLength - blockOverhead))

        var ifsd: UInt8?
        let hostRunsT1 = context.exchangeLevel == .tpdu || context.exchangeLevel == .character
        if hostRunsT1 && !context.features.contains(.automaticIFSDExchange) && context.maxIFSD > 0 {
            ifsd = UInt8(max(1, min(Int(context.maxIFSD), maxInformation)))
        }

        return T1Setup(
            ifsc: min(parameters.ifsc, maxInformation),
            errorDetection: parameters.errorDetection,
            ifsdToNegotiate: ifsd,
            maxInformationLength: maxInformation)
    }
}
