import PCSCTypes

/// One entry of the daemon's published reader array (`READER_STATE`, 184 bytes).
///
/// Layout: name[128] @0, eventCounter @128, readerState @132, readerSharing @136,
/// cardAtr[33] @140, 3 padding bytes @173, cardAtrLength @176, cardProtocol @180.
public struct ReaderStateEntry: WireMessage {
    public static let size = 184
    public static let nameSize = 128
    public static let atrSize = 33
    /// `cardAtrLength` of a reader slot whose first card check has not finished
    /// (`READER_NOT_INITIALIZED`, one more than the maximum ATR size).
    public static let atrLengthNotInitialized: UInt32 = 34

    public var nameField: [UInt8]
    /// Card insertions plus removals seen on this reader, modulo 0x10000.
    public var eventCounter: UInt32
    public var readerState: CardStateFlags
    /// -1 when held exclusively, 0 when unused, else the number of shared/direct handles.
    public var sharing: Int32
    public var atrField: [UInt8]
    public var atrLength: UInt32
    public var cardProtocol: CardProtocols

    /// An unused slot: all fields zero.
    public static let empty = ReaderStateEntry(
        name: "", eventCounter: 0, readerState: [], sharing: 0, atr: [], cardProtocol: [])

    public init(
        name: String, eventCounter: UInt32, readerState: CardStateFlags, sharing: Int32,
        atr: [UInt8], cardProtocol: CardProtocols
    ) {
        self.init(
            name: ReaderName(name), eventCounter: eventCounter, readerState: readerState, sharing: sharing,
            atr: atr, cardProtocol: cardProtocol)
    }

    /// Creates an entry whose name field contains the name's exact bytes, cut to 127.
    public init(
        name: ReaderName, eventCounter: UInt32, readerState: CardStateFlags, sharing: Int32,
        atr: [UInt8], cardProtocol: CardProtocols
    ) {
        nameField = fixedField(name.bytes, count: Self.nameSize)
        self.eventCounter = eventCounter
        self.readerState = readerState
        self.sharing = sharing
        let usedATR = Array(atr.prefix(Self.atrSize))
        atrField = usedATR + Array(repeating: 0, count: Self.atrSize - usedATR.count)
        atrLength = UInt32(usedATR.count)
        self.cardProtocol = cardProtocol
    }

    public var name: String { cString(from: nameField) }

    /// True for a slot without a reader (empty name).
    public var isEmpty: Bool { nameField.first == 0 }

    /// The ATR, with the length clamped to 33 so a not-initialised slot (length 34) or a
    /// hostile daemon cannot make a reader run past the field.
    public var atr: [UInt8] {
        Array(atrField.prefix(Int(min(atrLength, UInt32(Self.atrSize)))))
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        nameField = reader.bytes(Self.nameSize)
        eventCounter = reader.uint32()
        readerState = CardStateFlags(rawValue: reader.uint32())
        sharing = reader.int32()
        atrField = reader.bytes(Self.atrSize)
        reader.skip(3)
        atrLength = reader.uint32()
        cardProtocol = CardProtocols(rawValue: reader.uint32())
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.bytes(nameField, count: Self.nameSize)
        writer.uint32(eventCounter)
        writer.uint32(readerState.rawValue)
        writer.int32(sharing)
        writer.bytes(atrField, count: Self.atrSize)
        writer.zeros(3)
        writer.uint32(atrLength)
        writer.uint32(cardProtocol.rawValue)
    }

    /// Decodes `count` consecutive entries.
    public static func decodeArray(_ bytes: [UInt8], count: Int) -> [ReaderStateEntry] {
        bytes.withUnsafeBytes { decodeArray($0, count: count) }
    }

    /// Decodes `count` consecutive entries from raw memory of at least `count * size` bytes.
    public static func decodeArray(_ bytes: UnsafeRawBufferPointer, count: Int) -> [ReaderStateEntry] {
        precondition(bytes.count >= count * size, "\(count) reader entries need \(count * size) bytes, got \(bytes.count)")
        return (0..<count).map { index in
            ReaderStateEntry(decoding: UnsafeRawBufferPointer(rebasing: bytes[index * size..<(index + 1) * size]))
        }
    }

    /// Encodes entries back to back.
    public static func encodeArray(_ entries: [ReaderStateEntry]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: entries.count * size) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for (index, entry) in entries.enumerated() {
                entry.encode(into: UnsafeMutableRawBufferPointer(rebasing: raw[index * size..<(index + 1) * size]))
            }
            count = entries.count * size
        }
    }
}
