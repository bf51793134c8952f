/// The control protocol of virtual readers: one request line in, one reply line out.
///
/// Both pcscd replacements serve it on a UNIX stream socket, so tests drive either daemon
/// the same way: our daemon for its virtual CCID readers, and the IFDVirtual handler inside
/// pcsc-lite's pcscd for its single card. This file only parses and formats lines; the
/// servers own the sockets. Lines end with "\n", and a "\r" before it is ignored. Tokens
/// are separated by white space, and keywords are lower case.
///
/// ```
/// request  = insert | remove | attach | detach | fault | list
/// insert   = "insert" SP target             ; put a fresh card into the slot
/// remove   = "remove" SP target             ; take the card out
/// attach   = "attach" *(SP option)          ; plug in a new virtual reader
/// option   = mode | "slots=" count16 | "interrupt=" ("yes" / "no")
/// mode     = "tpdu-t0" / "tpdu-t1" / "short-apdu" / "extended-apdu"
/// detach   = "detach" SP reader             ; unplug a virtual reader
/// fault    = "fault" SP target SP fault-name [SP count]
/// fault-name = "mute" / "time-extension" / "stale-seq" / "gone-mid-transfer" / "clear"
/// list     = "list"
/// target   = reader ["." slot]              ; slot defaults to 0
/// reader   = 1*3DIGIT                       ; 0…999, the virtual reader number
/// slot     = 1*2DIGIT                       ; 0…15
/// count    = 1*3DIGIT                       ; 1…255
/// count16  = 1*2DIGIT                       ; 1…16
///
/// reply    = "ok" [SP detail] / "error" SP message
/// ```
///
/// Attach options may come in any order, each at most once; the defaults are `tpdu-t1`,
/// `slots=1` and `interrupt=yes`, with a card in every slot. The reply to `attach` is
/// `ok R` with the new reader number; the reply to `list` is `ok` followed by one
/// `R.S=STATE` entry per slot, STATE being `absent`, `present` or `powered`
/// (`ok 0.0=powered 0.1=absent`); other requests reply `ok`.
///
/// Fault counts: `mute` fails the next COUNT power-ons, or every power-on until `clear`
/// when COUNT is absent; `time-extension` and `stale-seq` put COUNT (default 1) extra
/// frames before the next answer of the slot; `gone-mid-transfer` makes the device
/// disappear after the next command; `clear` disarms all faults of the slot. The last two
/// take no count. An error message names the bad token and says what was expected.
public enum ControlRequest: Hashable, Sendable, CustomStringConvertible {
    /// Inserts a card.
    case insert(VirtualSlotAddress)
    /// Removes a card.
    case remove(VirtualSlotAddress)
    /// Creates a virtual reader.
    case attach(AttachOptions)
    /// Unplugs a virtual reader.
    case detach(reader: Int)
    /// Arms a fault on a slot.
    case fault(VirtualSlotAddress, VirtualReaderFault)
    /// Disarms all faults of a slot.
    case clearFaults(VirtualSlotAddress)
    /// Lists every slot of every reader.
    case list

    /// Parses one request line.
    public init(parsing line: String) throws(ControlProtocolError) {
        var tokens = ControlTokens(line)
        guard let keyword = tokens.next() else {
            throw ControlProtocolError("empty request: expected one of \(Self.keywords)")
        }

        switch keyword {
        case "insert": self = .insert(try tokens.target(for: "insert"))
        case "remove": self = .remove(try tokens.target(for: "remove"))
        case "attach": self = .attach(try AttachOptions(parsing: &tokens))
        case "detach": self = .detach(reader: try tokens.reader(for: "detach"))
        case "fault": self = try Self.parseFault(&tokens)
        case "list": self = .list
        default:
            throw ControlProtocolError("unknown request '\(keyword)': expected one of \(Self.keywords)")
        }

        try tokens.expectEnd(after: keyword)
    }

    /// The request as a line, without the line end.
    public var description: String {
        switch self {
        case .insert(let target): "insert \(target)"
        case .remove(let target): "remove \(target)"
        case .attach(let options): (["attach"] + options.tokens).joined(separator: " ")
        case .detach(let reader): "detach \(reader)"
        case .fault(let target, let fault): "fault \(target) \(FaultName.format(fault))"
        case .clearFaults(let target): "fault \(target) clear"
        case .list: "list"
        }
    }

    static let keywords = "insert, remove, attach, detach, fault, list"

    private static func parseFault(_ tokens: inout ControlTokens) throws(ControlProtocolError) -> ControlRequest {
        let target = try tokens.target(for: "fault")
        guard let nameToken = tokens.next() else {
            throw ControlProtocolError("fault needs a fault name after \(target): expected one of \(FaultName.allNames)")
        }
        guard let name = FaultName(rawValue: nameToken) else {
            throw ControlProtocolError("unknown fault '\(nameToken)': expected one of \(FaultName.allNames)")
        }

        let count = try tokens.optionalNumber(
            range: 1...255, what: "count of fault \(name.rawValue)", example: "fault \(target) \(name.rawValue) 2")
        if count != nil && !name.takesCount {
            throw ControlProtocolError("fault \(name.rawValue) takes no count: remove '\(count!)'")
        }

        switch name {
        case .mute: return .fault(target, .mute(count: count))
        case .timeExtension: return .fault(target, .timeExtension(frames: count ?? 1))
        case .staleSequence: return .fault(target, .staleSequence(frames: count ?? 1))
        case .goneMidTransfer: return .fault(target, .goneMidTransfer)
        case .clear: return .clearFaults(target)
        }
    }
}

extension VirtualReaderFault {
    /// The fault name of the `fault` request.
    public var controlName: String {
        switch self {
        case .mute: FaultName.mute.rawValue
        case .timeExtension: FaultName.timeExtension.rawValue
        case .staleSequence: FaultName.staleSequence.rawValue
        case .goneMidTransfer: FaultName.goneMidTransfer.rawValue
        }
    }
}

/// One slot of one virtual reader, written `R.S` (`R` alone means slot 0).
public struct VirtualSlotAddress: Hashable, Sendable, CustomStringConvertible {
    public var reader: Int
    public var slot: Int

    public init(reader: Int, slot: Int = 0) {
        self.reader = reader
        self.slot = slot
    }

    public var description: String { "\(reader).\(slot)" }
}

/// The options of an `attach` request; nil means the default.
public struct AttachOptions: Hashable, Sendable {
    public var mode: VirtualReaderMode?
    public var slotCount: Int?
    public var hasInterruptEndpoint: Bool?

    public init(mode: VirtualReaderMode? = nil, slotCount: Int? = nil, hasInterruptEndpoint: Bool? = nil) {
        self.mode = mode
        self.slotCount = slotCount
        self.hasInterruptEndpoint = hasInterruptEndpoint
    }

    /// Returns the reader configuration these options ask for, with a card in every slot.
    public func configuration(serialNumber: String, busNumber: UInt8 = 0, deviceAddress: UInt8 = 1) -> VirtualReaderConfiguration {
        let slots = slotCount ?? 1
        return VirtualReaderConfiguration(
            mode: mode ?? .tpduT1, slotCount: slots, hasInterruptEndpoint: hasInterruptEndpoint ?? true,
            cardsInserted: Set(0..<slots), serialNumber: serialNumber,
            busNumber: busNumber, deviceAddress: deviceAddress)
    }

    var tokens: [String] {
        var result: [String] = []
        if let mode { result.append(mode.rawValue) }
        if let slotCount { result.append("slots=\(slotCount)") }
        if let hasInterruptEndpoint { result.append("interrupt=" + (hasInterruptEndpoint ? "yes" : "no")) }
        return result
    }

    init(parsing tokens: inout ControlTokens) throws(ControlProtocolError) {
        while let token = tokens.next() {
            try apply(token)
        }
    }

    private mutating func apply(_ token: String) throws(ControlProtocolError) {
        if let mode = VirtualReaderMode(rawValue: token) {
            guard self.mode == nil else { throw ControlProtocolError("attach: mode given twice ('\(token)'): give one mode") }
            self.mode = mode
        } else if token.hasPrefix("slots=") {
            guard slotCount == nil else { throw ControlProtocolError("attach: slots= given twice: give it once") }
            slotCount = try parseNumber(String(token.dropFirst(6)), range: 1...16, what: "slot count", example: "attach slots=2")
        } else if token.hasPrefix("interrupt=") {
            guard hasInterruptEndpoint == nil else { throw ControlProtocolError("attach: interrupt= given twice: give it once") }
            switch token.dropFirst(10) {
            case "yes": hasInterruptEndpoint = true
            case "no": hasInterruptEndpoint = false
            default: throw ControlProtocolError("invalid value in '\(token)': expected interrupt=yes or interrupt=no")
            }
        } else {
            let modes = VirtualReaderMode.allCases.map { $0.rawValue }.joined(separator: ", ")
            throw ControlProtocolError(
                "unknown attach option '\(token)': expected a mode (\(modes)), slots=N or interrupt=yes|no")
        }
    }
}

/// The reply line to a request.
public enum ControlReply: Hashable, Sendable, CustomStringConvertible {
    /// The request succeeded: `ok`.
    case ok
    /// A reader was attached: `ok R`.
    case attached(reader: Int)
    /// The slots of all readers: `ok R.S=STATE …`.
    case listing([SlotListing])
    /// The request failed: `error MESSAGE`.
    case error(String)

    public var description: String {
        switch self {
        case .ok: "ok"
        case .attached(let reader): "ok \(reader)"
        case .listing(let slots): (["ok"] + slots.map { $0.description }).joined(separator: " ")
        case .error(let message): "error " + message.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        }
    }

    /// Parses the reply line to `request`, which decides what an `ok` detail means.
    public init(parsing line: String, for request: ControlRequest) throws(ControlProtocolError) {
        var tokens = ControlTokens(line)
        switch tokens.next() {
        case "ok":
            self = try Self.parseSuccess(&tokens, for: request)
        case "error":
            let message = tokens.rest()
            guard !message.isEmpty else { throw ControlProtocolError("reply 'error' carries no message") }
            self = .error(message)
        default:
            throw ControlProtocolError("invalid reply '\(line)': expected 'ok …' or 'error …'")
        }
    }

    private static func parseSuccess(_ tokens: inout ControlTokens, for request: ControlRequest) throws(ControlProtocolError) -> ControlReply {
        switch request {
        case .attach:
            let reader = try tokens.reader(for: "reply to attach")
            try tokens.expectEnd(after: "reply to attach")
            return .attached(reader: reader)
        case .list:
            var slots: [SlotListing] = []
            while let token = tokens.next() {
                slots.append(try SlotListing(parsing: token))
            }
            return .listing(slots)
        default:
            try tokens.expectEnd(after: "reply ok")
            return .ok
        }
    }
}

/// One entry of a `list` reply: `R.S=STATE`.
public struct SlotListing: Hashable, Sendable, CustomStringConvertible {
    public var address: VirtualSlotAddress
    public var state: VirtualSlotState

    public init(address: VirtualSlotAddress, state: VirtualSlotState) {
        self.address = address
        self.state = state
    }

    public var description: String { "\(address)=\(state.rawValue)" }

    init(parsing token: String) throws(ControlProtocolError) {
        let parts = token.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2, let state = VirtualSlotState(rawValue: String(parts[1])) else {
            throw ControlProtocolError("invalid list entry '\(token)': expected R.S=absent, R.S=present or R.S=powered")
        }
        self.address = try parseAddress(String(parts[0]), for: "list entry")
        self.state = state
    }
}

/// A request or reply line that does not follow the grammar, with a message giving the reason.
public struct ControlProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

// MARK: - Tokens

/// The fault names of the `fault` request.
private enum FaultName: String, CaseIterable {
    case mute
    case timeExtension = "time-extension"
    case staleSequence = "stale-seq"
    case goneMidTransfer = "gone-mid-transfer"
    case clear

    static let allNames = allCases.map { $0.rawValue }.joined(separator: ", ")

    var takesCount: Bool { self != .goneMidTransfer && self != .clear }

    static func format(_ fault: VirtualReaderFault) -> String {
        switch fault {
        case .mute(let count): count.map { "mute \($0)" } ?? "mute"
        case .timeExtension(let frames): "time-extension \(frames)"
        case .staleSequence(let frames): "stale-seq \(frames)"
        case .goneMidTransfer: "gone-mid-transfer"
        }
    }
}

/// The space-separated tokens of one line, consumed from the front.
struct ControlTokens {
    private var tokens: [Substring]

    init(_ line: String) {
        tokens = line.split(whereSeparator: { $0.isWhitespace })
    }

    mutating func next() -> String? {
        tokens.isEmpty ? nil : String(tokens.removeFirst())
    }

    /// Returns the remaining tokens joined by single spaces and consumes them.
    mutating func rest() -> String {
        defer { tokens = [] }
        return tokens.joined(separator: " ")
    }

    func expectEnd(after keyword: String) throws(ControlProtocolError) {
        guard tokens.isEmpty else {
            let extra = tokens.joined(separator: " ")
            throw ControlProtocolError("unexpected '\(extra)' after \(keyword): remove it")
        }
    }

    mutating func target(for keyword: String) throws(ControlProtocolError) -> VirtualSlotAddress {
        guard let token = next() else {
            throw ControlProtocolError("\(keyword) needs a slot address R[.S], for example '\(keyword) 0' or '\(keyword) 1.2'")
        }
        return try parseAddress(token, for: keyword)
    }

    mutating func reader(for keyword: String) throws(ControlProtocolError) -> Int {
        guard let token = next() else {
            throw ControlProtocolError("\(keyword) needs a reader number, for example '\(keyword) 0'")
        }
        guard !token.contains(".") else {
            throw ControlProtocolError("\(keyword) takes a reader number without slot, not '\(token)': for example '\(keyword) 1'")
        }
        return try parseNumber(token, range: 0...999, what: "reader number", example: "\(keyword) 1")
    }

    mutating func optionalNumber(range: ClosedRange<Int>, what: String, example: String) throws(ControlProtocolError) -> Int? {
        guard let token = next() else { return nil }
        return try parseNumber(token, range: range, what: what, example: example)
    }
}

/// Parses `R` or `R.S`.
private func parseAddress(_ token: String, for keyword: String) throws(ControlProtocolError) -> VirtualSlotAddress {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2 else {
        throw ControlProtocolError("invalid slot address '\(token)' in \(keyword): expected R or R.S, for example 1.2")
    }

    let reader = try parseNumber(String(parts[0]), range: 0...999, what: "reader number", in: token, example: "\(keyword) 1.0")
    let slot = parts.count == 2
        ? try parseNumber(String(parts[1]), range: 0...15, what: "slot number", in: token, example: "\(keyword) \(reader).1")
        : 0
    return VirtualSlotAddress(reader: reader, slot: slot)
}

/// Parses a decimal number made of digits only, within `range`.
private func parseNumber(
    _ token: String, range: ClosedRange<Int>, what: String, in context: String? = nil, example: String
) throws(ControlProtocolError) -> Int {
    guard !token.isEmpty, token.count <= 6, token.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(token),
        range.contains(value)
    else {
        let place = context.map { $0 == token ? "" : " in '\($0)'" } ?? ""
        throw ControlProtocolError(
            "invalid \(what) '\(token)'\(place): expected a decimal number \(range.lowerBound)…\(range.upperBound), "
                + "for example '\(example)'")
    }
    return value
}
