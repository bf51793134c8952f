import PCSCTypes

/// An event not yet reported to the client through a card handle. The next
/// Begin/EndTransaction, Status, Transmit or Get/SetAttrib on that handle reports it, and
/// it stays until the handle reconnects.
enum PendingEvent: Sendable, Equatable {
    /// Nothing happened since the handle connected or reconnected.
    case none
    /// Another handle reset or power-cycled the card (`SCARD_W_RESET_CARD`).
    case reset
    /// The card was removed (`SCARD_W_REMOVED_CARD`).
    case removed

    var error: PCSCError? {
        switch self {
        case .none: nil
        case .reset: .resetCard
        case .removed: .removedCard
        }
    }
}

/// Identifies a client connection to the daemon.
typealias ConnectionID = UInt64

/// One card handle on a reader slot.
struct HandleRecord: Sendable, Equatable {
    let connection: ConnectionID
    var shareMode: ShareMode
    var pending: PendingEvent = .none
}

/// Who may use a reader slot: connected handles, exclusive use and transactions.
///
/// The rules are pcsc-lite's: an exclusive connection is a transaction that never ends
/// (lock count 1 held by that handle); a shared transaction is a recursive lock owned by
/// one handle; direct connections count as shared. Pure value type, so every rule is
/// testable without readers or sockets.
struct SharingState: Sendable, Equatable {
    /// Handles connected to this slot.
    private(set) var handles: [UInt32: HandleRecord] = [:]
    /// True while one handle holds the slot exclusively.
    private(set) var isExclusive = false
    /// The handle that owns the transaction lock, if any.
    private(set) var lockOwner: UInt32?
    /// Nesting depth of the lock (1 for a bare exclusive connection).
    private(set) var lockCount = 0

    /// The value published as `readerSharing`: -1 exclusive, else the number of handles.
    var publishedSharing: Int32 {
        isExclusive ? -1 : Int32(handles.count)
    }

    /// The connection whose handle holds the slot exclusively or in a transaction.
    var holder: ConnectionID? {
        lockOwner.flatMap { handles[$0]?.connection }
    }

    func record(_ card: UInt32) -> HandleRecord? {
        handles[card]
    }

    /// True when a handle other than `card` holds the lock.
    func isLocked(against card: UInt32) -> Bool {
        if let owner = lockOwner, owner != card { return true }
        return false
    }

    /// Checks that `card` may send a command now (`RFCheckSharing` in pcsc-lite).
    func checkSharing(_ card: UInt32) throws(PCSCError) {
        if isLocked(against: card) { throw .sharingViolation }
    }

    /// Checks the handle's pending event.
    func checkPendingEvent(_ card: UInt32) throws(PCSCError) {
        if let error = handles[card]?.pending.error { throw error }
    }

    /// Adds a handle. Exclusive mode needs a slot without handles, and any mode fails while
    /// another handle has the slot exclusively.
    mutating func admit(card: UInt32, mode: ShareMode, connection: ConnectionID) throws(PCSCError) {
        if isExclusive { throw .sharingViolation }
        if mode == .exclusive {
            guard handles.isEmpty else { throw .sharingViolation }
            isExclusive = true
            lockOwner = card
            lockCount = 1
        }
        handles[card] = HandleRecord(connection: connection, shareMode: mode)
    }

    /// Removes a handle, dropping any lock it holds (`RFUnlockAllSharing` + removal).
    mutating func remove(card: UInt32) {
        guard handles.removeValue(forKey: card) != nil else { return }
        if lockOwner == card {
            lockOwner = nil
            lockCount = 0
        }
        // Exclusive use means exactly one handle, so the slot is free again.
        if handles.isEmpty {
            isExclusive = false
        }
    }

    /// Takes or deepens the transaction lock for `card`.
    mutating func beginTransaction(card: UInt32) throws(PCSCError) {
        try checkSharing(card)
        lockOwner = card
        lockCount += 1
    }

    /// Leaves one level of the transaction lock held by `card`.
    mutating func endTransaction(card: UInt32) throws(PCSCError) {
        try checkSharing(card)
        if isExclusive {
            guard lockCount > 1 else { throw .notTransacted }
            lockCount -= 1
            return
        }
        guard lockCount > 0 else { throw .notTransacted }
        lockCount -= 1
        if lockCount == 0 { lockOwner = nil }
    }

    /// Drops the lock held by `card` without removing the handle.
    mutating func releaseLock(card: UInt32) {
        guard lockOwner == card else { return }
        lockOwner = nil
        lockCount = 0
    }

    /// Changes the share mode of an existing handle, as `SCardReconnect` does.
    mutating func changeMode(card: UInt32, to mode: ShareMode) throws(PCSCError) {
        guard var record = handles[card] else { throw .invalidHandle }
        switch mode {
        case .exclusive:
            if !isExclusive {
                guard handles.count == 1 else { throw .sharingViolation }
                isExclusive = true
                lockOwner = card
                lockCount += 1
            }
        case .shared, .direct:
            if isExclusive {
                isExclusive = false
                if lockCount > 0 { lockCount -= 1 }
                if lockCount == 0 { lockOwner = nil }
            }
        }
        record.shareMode = mode
        handles[card] = record
    }

    /// Marks every handle with a reset (or removal) it has not seen yet.
    mutating func markAll(_ event: PendingEvent) {
        for card in handles.keys {
            handles[card]?.pending = event
        }
    }

    mutating func clearPendingEvent(card: UInt32) {
        handles[card]?.pending = .none
    }

    /// Card removal: every handle learns of it and the lock is dropped. As in pcsc-lite an
    /// exclusive handle keeps the slot exclusive until it disconnects.
    mutating func cardRemoved() {
        markAll(.removed)
        lockOwner = nil
        lockCount = 0
    }

    /// Handles belonging to `connection`.
    func cards(of connection: ConnectionID) -> [UInt32] {
        handles.filter { $0.value.connection == connection }.map { $0.key }
    }
}
