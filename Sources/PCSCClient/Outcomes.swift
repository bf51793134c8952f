import PCSCTypes

// pcsc-lite writes some C outputs even when the daemon reports an error, so the calls
// that have such outputs return one of these outcomes. Errors that leave the outputs
// alone are thrown as `PCSCError`.

/// The result of `connect` once the daemon replied.
public enum ConnectOutcome: Sendable, Equatable {
    /// Connected; the handle is valid until `disconnect` or the context's release.
    case connected(CardHandle, activeProtocol: CardProtocols)
    /// The daemon refused with this code. pcsc-lite still copies the reply's card number
    /// (0, or -1 when polkit refused) and protocol to the caller's outputs.
    case failed(PCSCError, reportedCard: Int32, reportedProtocol: CardProtocols)
}

/// The result of `reconnect` once the daemon replied.
public enum ReconnectOutcome: Sendable, Equatable {
    /// Reconnected with this protocol.
    case reconnected(activeProtocol: CardProtocols)
    /// The daemon refused with this code; pcsc-lite still copies the reply's protocol.
    case failed(PCSCError, reportedProtocol: CardProtocols)
}

/// The result of `transmit` once the daemon replied.
public enum TransmitOutcome: Sendable, Equatable {
    /// The card's response and the receive PCI the driver returned.
    case response([UInt8], receivePCI: IORequest)
    /// The call failed with this code; pcsc-lite reports the length field of the reply,
    /// which for `SCARD_E_INSUFFICIENT_BUFFER` is the length the response needs.
    case failed(PCSCError, reportedLength: UInt32)
}

/// The result of `transmit(_:sendPCI:command:receivePCI:into:receiveCapacity:)` once the
/// daemon replied.
public enum TransmitResult: Sendable, Equatable {
    /// The card's response fills the first `count` bytes of the caller's buffer, and the
    /// driver returned this receive PCI.
    case received(count: Int, receivePCI: IORequest)
    /// The call failed with this code; pcsc-lite reports the length field of the reply,
    /// which for `SCARD_E_INSUFFICIENT_BUFFER` is the length the response needs.
    case failed(PCSCError, reportedLength: UInt32)
}

/// The result of `control` once the daemon replied.
public enum ControlOutcome: Sendable, Equatable {
    /// The driver's response.
    case response([UInt8])
    /// The call failed with this code; pcsc-lite reports the reply's byte count, which for
    /// `SCARD_E_INSUFFICIENT_BUFFER` is the length the response needs.
    case failed(PCSCError, reportedLength: UInt32)
}

/// The result of `getAttribute` once the daemon returned a value.
public enum AttributeOutcome: Sendable, Equatable {
    /// The whole value.
    case value([UInt8])
    /// The value is longer than the caller's capacity: the first `capacity` bytes and the
    /// full length. pcsc-lite copies that prefix and fails with
    /// `SCARD_E_INSUFFICIENT_BUFFER`.
    case truncated(prefix: [UInt8], length: UInt32)
}

/// The state of a card handle's reader, as `status` reports it.
public struct CardStatus: Sendable, Equatable {
    /// The reader name exactly as the application passed it to `connect`.
    public var readerName: ReaderName
    /// The daemon's card state bits (`SCARD_ABSENT` ... `SCARD_NEGOTIABLE`).
    public var state: CardStateFlags
    /// Card insertions plus removals seen on the reader.
    public var eventCounter: UInt32
    public var cardProtocol: CardProtocols
    /// The ATR, at most 33 bytes.
    public var atr: [UInt8]

    public init(readerName: ReaderName, state: CardStateFlags, eventCounter: UInt32, cardProtocol: CardProtocols, atr: [UInt8]) {
        self.readerName = readerName
        self.state = state
        self.eventCounter = eventCounter
        self.cardProtocol = cardProtocol
        self.atr = atr
    }

    /// The `*pdwState` value of `SCardStatus`: `(eventCounter << 16) + state`, in 32-bit
    /// arithmetic as pcsc-lite computes it (0x20034 after two card movements).
    public var stateWord: UInt32 {
        (eventCounter &<< 16) &+ state.rawValue
    }
}

/// How long `getStatusChange` waits.
public enum StatusChangeTimeout: Sendable, Equatable {
    /// Until something changes or the call is cancelled.
    case infinite
    /// At most this many milliseconds.
    case milliseconds(UInt64)

    /// Converts a C `dwTimeout`: `INFINITE` (0xFFFFFFFF) and `(DWORD)-1` both wait forever,
    /// as in pcsc-lite.
    public init(milliseconds value: UInt) {
        if value == UInt(PCSCLimits.infiniteTimeout) || value == UInt.max {
            self = .infinite
        } else {
            self = .milliseconds(UInt64(value))
        }
    }
}
