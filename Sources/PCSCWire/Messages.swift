import PCSCTypes

/// A fixed-size struct of the wire protocol: the request header, or a request body. A body
/// also serves as the reply, because the daemon fills in the output fields and `rv` and
/// sends the struct back.
public protocol WireMessage: Sendable, Equatable {
    static var size: Int { get }
    /// Decodes from the first `size` bytes of `bytes`, which must have at least that many.
    init(decoding bytes: UnsafeRawBufferPointer)
    /// Writes the `size` bytes of the message to the start of `buffer`, which must have
    /// room for them.
    func encode(into buffer: UnsafeMutableRawBufferPointer)
}

extension WireMessage {
    /// Decodes from exactly `size` bytes.
    public init(decoding bytes: some Collection<UInt8>) {
        precondition(bytes.count >= Self.size, "\(Self.self) needs \(Self.size) bytes, got \(bytes.count)")
        self = bytes.withContiguousBytes { Self(decoding: $0) }
    }

    /// The message's `size` bytes.
    public var encoded: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.size) { buffer, count in
            encode(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.size
        }
    }
}

/// `CMD_VERSION` (12 bytes).
public struct VersionMessage: WireMessage {
    public static let size = 12
    public var major: Int32
    public var minor: Int32
    public var rv: UInt32

    public init(version: ProtocolVersion, rv: UInt32 = 0) {
        major = version.major
        minor = version.minor
        self.rv = rv
    }

    public var version: ProtocolVersion { ProtocolVersion(major: major, minor: minor) }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        major = reader.int32()
        minor = reader.int32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.int32(major)
        writer.int32(minor)
        writer.uint32(rv)
    }
}

/// `SCARD_ESTABLISH_CONTEXT` (12 bytes).
public struct EstablishContextMessage: WireMessage {
    public static let size = 12
    public var scope: UInt32
    public var context: UInt32
    public var rv: UInt32

    public init(scope: UInt32, context: UInt32 = 0, rv: UInt32 = 0) {
        self.scope = scope
        self.context = context
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        scope = reader.uint32()
        context = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(scope)
        writer.uint32(context)
        writer.uint32(rv)
    }
}

/// `SCARD_RELEASE_CONTEXT` (8 bytes).
public struct ReleaseContextMessage: WireMessage {
    public static let size = 8
    public var context: UInt32
    public var rv: UInt32

    public init(context: UInt32, rv: UInt32 = 0) {
        self.context = context
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        context = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(context)
        writer.uint32(rv)
    }
}

/// `SCARD_CONNECT` (152 bytes).
public struct ConnectMessage: WireMessage {
    public static let size = 152
    public static let readerNameSize = 128
    public var context: UInt32
    /// The reader name field; the daemon forces its last byte to NUL before reading it.
    public var readerNameField: [UInt8]
    public var shareMode: UInt32
    public var preferredProtocols: UInt32
    public var card: UInt32
    public var activeProtocol: UInt32
    public var rv: UInt32

    public init(context: UInt32, readerName: String, shareMode: UInt32, preferredProtocols: UInt32) {
        self.init(context: context, readerName: ReaderName(readerName), shareMode: shareMode, preferredProtocols: preferredProtocols)
    }

    /// Creates a request that carries the name's exact bytes, cut to 127.
    public init(context: UInt32, readerName: ReaderName, shareMode: UInt32, preferredProtocols: UInt32) {
        self.context = context
        readerNameField = fixedField(readerName.bytes, count: Self.readerNameSize)
        self.shareMode = shareMode
        self.preferredProtocols = preferredProtocols
        card = 0
        activeProtocol = 0
        rv = 0
    }

    /// The reader name up to the first NUL, never reading past the 128-byte field.
    public var readerName: String { cString(from: readerNameField) }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        context = reader.uint32()
        readerNameField = reader.bytes(Self.readerNameSize)
        shareMode = reader.uint32()
        preferredProtocols = reader.uint32()
        card = reader.uint32()
        activeProtocol = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(context)
        writer.bytes(readerNameField, count: Self.readerNameSize)
        writer.uint32(shareMode)
        writer.uint32(preferredProtocols)
        writer.uint32(card)
        writer.uint32(activeProtocol)
        writer.uint32(rv)
    }
}

/// `SCARD_RECONNECT` (24 bytes).
public struct ReconnectMessage: WireMessage {
    public static let size = 24
    public var card: UInt32
    public var shareMode: UInt32
    public var preferredProtocols: UInt32
    public var initialization: UInt32
    public var activeProtocol: UInt32
    public var rv: UInt32

    public init(card: UInt32, shareMode: UInt32, preferredProtocols: UInt32, initialization: UInt32) {
        self.card = card
        self.shareMode = shareMode
        self.preferredProtocols = preferredProtocols
        self.initialization = initialization
        activeProtocol = 0
        rv = 0
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        shareMode = reader.uint32()
        preferredProtocols = reader.uint32()
        initialization = reader.uint32()
        activeProtocol = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(shareMode)
        writer.uint32(preferredProtocols)
        writer.uint32(initialization)
        writer.uint32(activeProtocol)
        writer.uint32(rv)
    }
}

/// `SCARD_DISCONNECT` and `SCARD_END_TRANSACTION` share this 12-byte layout.
public struct CardDispositionMessage: WireMessage {
    public static let size = 12
    public var card: UInt32
    public var disposition: UInt32
    public var rv: UInt32

    public init(card: UInt32, disposition: UInt32, rv: UInt32 = 0) {
        self.card = card
        self.disposition = disposition
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        disposition = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(disposition)
        writer.uint32(rv)
    }
}

public typealias DisconnectMessage = CardDispositionMessage
public typealias EndTransactionMessage = CardDispositionMessage

/// `SCARD_BEGIN_TRANSACTION` and `SCARD_STATUS` share this 8-byte layout.
public struct CardMessage: WireMessage {
    public static let size = 8
    public var card: UInt32
    public var rv: UInt32

    public init(card: UInt32, rv: UInt32 = 0) {
        self.card = card
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(rv)
    }
}

public typealias BeginTransactionMessage = CardMessage
public typealias StatusMessage = CardMessage

/// `SCARD_CANCEL` (8 bytes).
public struct CancelMessage: WireMessage {
    public static let size = 8
    public var context: UInt32
    public var rv: UInt32

    public init(context: UInt32, rv: UInt32 = 0) {
        self.context = context
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        context = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(context)
        writer.uint32(rv)
    }
}

/// `SCARD_TRANSMIT` (32 bytes), followed by `sendLength` command bytes in a request and
/// by `receiveLength` response bytes in a successful reply.
public struct TransmitMessage: WireMessage {
    public static let size = 32
    public var card: UInt32
    public var sendPCIProtocol: UInt32
    public var sendPCILength: UInt32
    public var sendLength: UInt32
    public var receivePCIProtocol: UInt32
    public var receivePCILength: UInt32
    /// In a request: the capacity of the caller's buffer. In a reply: the response length.
    public var receiveLength: UInt32
    public var rv: UInt32

    public init(
        card: UInt32, sendPCIProtocol: UInt32, sendPCILength: UInt32, sendLength: UInt32,
        receivePCIProtocol: UInt32, receivePCILength: UInt32, receiveLength: UInt32, rv: UInt32 = 0
    ) {
        self.card = card
        self.sendPCIProtocol = sendPCIProtocol
        self.sendPCILength = sendPCILength
        self.sendLength = sendLength
        self.receivePCIProtocol = receivePCIProtocol
        self.receivePCILength = receivePCILength
        self.receiveLength = receiveLength
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        sendPCIProtocol = reader.uint32()
        sendPCILength = reader.uint32()
        sendLength = reader.uint32()
        receivePCIProtocol = reader.uint32()
        receivePCILength = reader.uint32()
        receiveLength = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(sendPCIProtocol)
        writer.uint32(sendPCILength)
        writer.uint32(sendLength)
        writer.uint32(receivePCIProtocol)
        writer.uint32(receivePCILength)
        writer.uint32(receiveLength)
        writer.uint32(rv)
    }
}

/// `SCARD_CONTROL` (24 bytes), followed by `sendLength` bytes in a request and by
/// `bytesReturned` bytes in a successful reply.
public struct ControlMessage: WireMessage {
    public static let size = 24
    public var card: UInt32
    public var controlCode: UInt32
    public var sendLength: UInt32
    /// Capacity of the caller's receive buffer.
    public var receiveLength: UInt32
    public var bytesReturned: UInt32
    public var rv: UInt32

    public init(card: UInt32, controlCode: UInt32, sendLength: UInt32, receiveLength: UInt32) {
        self.card = card
        self.controlCode = controlCode
        self.sendLength = sendLength
        self.receiveLength = receiveLength
        bytesReturned = 0
        rv = 0
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        controlCode = reader.uint32()
        sendLength = reader.uint32()
        receiveLength = reader.uint32()
        bytesReturned = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(controlCode)
        writer.uint32(sendLength)
        writer.uint32(receiveLength)
        writer.uint32(bytesReturned)
        writer.uint32(rv)
    }
}

/// `SCARD_GET_ATTRIB` and `SCARD_SET_ATTRIB` (280 bytes).
public struct AttributeMessage: WireMessage {
    public static let size = 280
    /// Capacity of the attribute field: `MAX_BUFFER_SIZE`.
    public static let attributeCapacity = 264
    public var card: UInt32
    public var attributeID: UInt32
    public var attributeField: [UInt8]
    public var attributeLength: UInt32
    public var rv: UInt32

    public init(card: UInt32, attributeID: UInt32, value: [UInt8], length: UInt32) {
        self.card = card
        self.attributeID = attributeID
        var field = Array(value.prefix(Self.attributeCapacity))
        field.append(contentsOf: repeatElement(0, count: Self.attributeCapacity - field.count))
        attributeField = field
        attributeLength = length
        rv = 0
    }

    /// The attribute bytes the length field covers, bounded by the 264-byte field.
    public var value: [UInt8] {
        Array(attributeField.prefix(Int(min(attributeLength, UInt32(Self.attributeCapacity)))))
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        card = reader.uint32()
        attributeID = reader.uint32()
        attributeField = reader.bytes(Self.attributeCapacity)
        attributeLength = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(card)
        writer.uint32(attributeID)
        writer.bytes(attributeField, count: Self.attributeCapacity)
        writer.uint32(attributeLength)
        writer.uint32(rv)
    }
}

/// The 8-byte message of the event mechanism: the reply to
/// `CMD_STOP_WAITING_READER_STATE_CHANGE`, and the asynchronous event or cancel signal
/// (`timeOut` 0, `rv` 0 or `SCARD_E_CANCELLED`) written to a registered connection.
public struct WaitReaderStateChangeMessage: WireMessage {
    public static let size = 8
    public var timeout: UInt32
    public var rv: UInt32

    public init(timeout: UInt32 = 0, rv: UInt32) {
        self.timeout = timeout
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        timeout = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(timeout)
        writer.uint32(rv)
    }
}

/// Reply to `CMD_GET_READER_EVENTS` (8 bytes).
public struct ReaderEventsMessage: WireMessage {
    public static let size = 8
    public var readerEvents: UInt32
    public var rv: UInt32

    public init(readerEvents: UInt32, rv: UInt32 = 0) {
        self.readerEvents = readerEvents
        self.rv = rv
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        readerEvents = reader.uint32()
        rv = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(readerEvents)
        writer.uint32(rv)
    }
}
