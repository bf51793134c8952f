/// An application context, as returned by `SCardEstablishContext` (`SCARDCONTEXT`).
///
/// The value belongs to this library, not to the daemon: the daemon's own context number
/// stays internal, so a context can move to a new daemon connection after a daemon restart
/// without changing the value the application holds.
public struct ContextHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public var description: String { "context 0x" + String(rawValue, radix: 16, uppercase: true) }
}

/// A connection to a card, as returned by `SCardConnect` (`SCARDHANDLE`).
///
/// Like `ContextHandle`, the value is this library's own. The daemon's card number is
/// stored with it and is replaced when `reconnect` binds the handle to a new daemon.
public struct CardHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public var description: String { "card 0x" + String(rawValue, radix: 16, uppercase: true) }
}

/// Random handle values: positive, non-zero and within 31 bits, so programs that store a
/// `SCARDCONTEXT` or `SCARDHANDLE` in an `int` keep working.
enum HandleValue {
    static func random(avoiding used: (Int) -> Bool) -> Int {
        var generator = SystemRandomNumberGenerator()
        while true {
            let value = Int.random(in: 1...Int(Int32.max), using: &generator)
            if !used(value) { return value }
        }
    }
}
