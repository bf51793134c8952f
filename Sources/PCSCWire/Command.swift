/// Command codes of the pcsc-lite socket protocol (the `command` field of a request header).
public enum Command: UInt32, Sendable, CaseIterable {
    /// `SCARD_ESTABLISH_CONTEXT`.
    case establishContext = 0x01
    /// `SCARD_RELEASE_CONTEXT`.
    case releaseContext = 0x02
    /// `SCARD_CONNECT`.
    case connect = 0x04
    /// `SCARD_RECONNECT`.
    case reconnect = 0x05
    /// `SCARD_DISCONNECT`.
    case disconnect = 0x06
    /// `SCARD_BEGIN_TRANSACTION`.
    case beginTransaction = 0x07
    /// `SCARD_END_TRANSACTION`.
    case endTransaction = 0x08
    /// `SCARD_TRANSMIT`: the struct is followed by `cbSendLength` command bytes.
    case transmit = 0x09
    /// `SCARD_CONTROL`: the struct is followed by `cbSendLength` bytes.
    case control = 0x0A
    /// `SCARD_STATUS`: only the return code of the reply is used.
    case status = 0x0B
    /// `SCARD_CANCEL`: sent on a separate connection without a version exchange.
    case cancel = 0x0D
    /// `SCARD_GET_ATTRIB`.
    case getAttrib = 0x0F
    /// `SCARD_SET_ATTRIB`.
    case setAttrib = 0x10
    /// `CMD_VERSION`: protocol version exchange.
    case version = 0x11
    /// `CMD_GET_READERS_STATE`: returns the fixed 16-entry reader array.
    case getReadersState = 0x12
    /// `CMD_WAIT_READER_STATE_CHANGE`: registers for one event signal; before 4:6 the reply
    /// is the 16-entry reader array, in 4:6 there is no reply.
    case waitReaderStateChange = 0x13
    /// `CMD_STOP_WAITING_READER_STATE_CHANGE`: unregisters; replies only if still registered.
    case stopWaitingReaderStateChange = 0x14
    /// `CMD_GET_READER_EVENTS` (4:5 and later): the reader add/remove counter.
    case getReaderEvents = 0x15
    /// `CMD_GET_READERS_STATE_SIZE` (4:6): number of entries of the reader array.
    case getReadersStateSize = 0x16
    /// `CMD_GET_READERS_STATE_ARRAY` (4:6): the reader array with that many entries.
    case getReadersStateArray = 0x17

    /// Size of the fixed struct that follows the header (0 for body-less commands).
    public var bodySize: Int {
        switch self {
        case .establishContext: EstablishContextMessage.size
        case .releaseContext: ReleaseContextMessage.size
        case .connect: ConnectMessage.size
        case .reconnect: ReconnectMessage.size
        case .disconnect: DisconnectMessage.size
        case .beginTransaction: BeginTransactionMessage.size
        case .endTransaction: EndTransactionMessage.size
        case .transmit: TransmitMessage.size
        case .control: ControlMessage.size
        case .status: StatusMessage.size
        case .cancel: CancelMessage.size
        case .getAttrib, .setAttrib: AttributeMessage.size
        case .version: VersionMessage.size
        case .getReadersState, .waitReaderStateChange, .stopWaitingReaderStateChange,
            .getReaderEvents, .getReadersStateSize, .getReadersStateArray:
            0
        }
    }
}

// Embedded Swift interpolates a value without `CustomStringConvertible` as "(cannot print
// value in embedded Swift)", so log lines and errors get the case name from here, as normal
// Swift's reflection gives it.
extension Command: CustomStringConvertible {
    public var description: String {
        switch self {
        case .establishContext: "establishContext"
        case .releaseContext: "releaseContext"
        case .connect: "connect"
        case .reconnect: "reconnect"
        case .disconnect: "disconnect"
        case .beginTransaction: "beginTransaction"
        case .endTransaction: "endTransaction"
        case .transmit: "transmit"
        case .control: "control"
        case .status: "status"
        case .cancel: "cancel"
        case .getAttrib: "getAttrib"
        case .setAttrib: "setAttrib"
        case .version: "version"
        case .getReadersState: "getReadersState"
        case .waitReaderStateChange: "waitReaderStateChange"
        case .stopWaitingReaderStateChange: "stopWaitingReaderStateChange"
        case .getReaderEvents: "getReaderEvents"
        case .getReadersStateSize: "getReadersStateSize"
        case .getReadersStateArray: "getReadersStateArray"
        }
    }
}

/// The 8-byte header in front of every request. Replies have no header.
public struct RequestHeader: WireMessage {
    public static let size = 8

    /// Size of the fixed struct that follows (payload bytes of TRANSMIT and CONTROL are
    /// not counted).
    public var size: UInt32
    public var command: UInt32

    public init(size: UInt32, command: UInt32) {
        self.size = size
        self.command = command
    }

    public init(command: Command) {
        self.init(size: UInt32(command.bodySize), command: command.rawValue)
    }

    public init(decoding bytes: UnsafeRawBufferPointer) {
        var reader = FieldReader(bytes)
        size = reader.uint32()
        command = reader.uint32()
    }

    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var writer = FieldWriter(buffer)
        writer.uint32(size)
        writer.uint32(command)
    }

}

/// A wire protocol version `major:minor`.
public struct ProtocolVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var major: Int32
    public var minor: Int32

    public init(major: Int32, minor: Int32) {
        self.major = major
        self.minor = minor
    }

    /// pcsc-lite 1.8.24 to 2.2.x (Debian 12's 1.9.9).
    public static let v4_4 = ProtocolVersion(major: 4, minor: 4)
    /// pcsc-lite 2.3.x and 2.4.x: adds `CMD_GET_READER_EVENTS`.
    public static let v4_5 = ProtocolVersion(major: 4, minor: 5)
    /// pcsc-lite 2.5.x: reader arrays of any size; WAIT has no reply.
    public static let v4_6 = ProtocolVersion(major: 4, minor: 6)

    /// True for versions whose clients use the fixed 16-entry reader array.
    public var usesFixedReaderArray: Bool { self < .v4_6 }

    public var description: String { "\(major):\(minor)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
