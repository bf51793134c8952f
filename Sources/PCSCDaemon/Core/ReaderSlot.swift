import PCSCTypes
import PCSCWire
import Threading

/// One PC/SC reader: a slot of a reader device, with its published state, its card
/// handles, and a lock that serialises every driver call on it.
///
/// Lock order: `io` before `state`; `state` is held only for short updates, never across
/// driver calls or sleeps.
final class ReaderSlot: Sendable {
    let name: String
    let driver: any SlotDriver
    /// The PC/SC reader array index this slot is published at.
    let index: Int
    private let io = Locked(())
    private let state = Locked(SlotState())
    private let onChange: @Sendable () -> Void

    /// How long a server-side wait for another handle's transaction sleeps between checks.
    static let lockPollMilliseconds = 100
    /// How long a card stays powered without any handle before it is powered down, the
    /// grace time pcscd 1.9.9 uses with libccid.
    static let idlePowerOffMilliseconds: Int64 = 5000

    init(name: String, index: Int, driver: any SlotDriver, onChange: @escaping @Sendable () -> Void) {
        self.name = name
        self.index = index
        self.driver = driver
        self.onChange = onChange
    }

    var entry: ReaderStateEntry {
        state.withLock { $0.entry(name: name) }
    }

    var isRemoved: Bool { state.withLock { $0.isRemoved } }

    /// The connection that blocks other handles, and whether it has the card exclusively
    /// (else in a transaction); nil when no handle blocks others.
    var holder: (connection: ConnectionID, exclusive: Bool)? {
        state.withLock { state in
            state.sharing.holder.map { ($0, state.sharing.isExclusive) }
        }
    }

    func handleRecord(_ card: UInt32) -> HandleRecord? {
        state.withLock { $0.sharing.record(card) }
    }

    // MARK: Card presence (called by the reader monitor)

    /// Checks the card and updates the published state; returns false when the device is
    /// gone. Powers a newly inserted card up, as pcscd does, to publish its ATR.
    @discardableResult
    func refreshPresence() -> Bool {
        var changed = false
        var alive = true
        io.withLock { _ in
            let presence: CardPresence
            do throws(DriverError) {
                presence = try driver.presence()
            } catch .deviceGone {
                alive = false
                return
            } catch {
                changed = markUnknown(error)
                return
            }
            changed = apply(presence)
        }
        if changed { onChange() }
        return alive
    }

    private func markUnknown(_ error: DriverError) -> Bool {
        state.withLock { state in
            if state.cardState == .unknown { return false }
            log.error("Reader \(name): card presence check failed: \(error)")
            state.cardState = .unknown
            state.isInitialized = true
            return true
        }
    }

    /// Applies a presence result; must run with `io` held. Returns true on a change.
    /// The first check after the reader appears sets the state without counting an event.
    private func apply(_ presence: CardPresence) -> Bool {
        let (previous, initialized) = state.withLock { ($0.cardState, $0.isInitialized) }
        let hadCard = initialized && !previous.contains(.absent) && previous != .unknown

        switch presence {
        case .absent:
            if initialized && previous == .absent { return false }
            state.withLock { state in
                if hadCard { state.countEvent() }
                state.cardRemoved()
                state.isInitialized = true
            }
            if hadCard { log.info("Reader \(name): card removed") }
            return true
        case .present(let lostPower):
            if hadCard && !lostPower { return false }
            state.withLock { state in
                if hadCard {
                    // Removed and re-inserted between two checks: report both events.
                    state.countEvent()
                    state.cardRemoved()
                }
                state.isInitialized = true
            }
            powerUpInsertedCard(countingEvent: initialized)
            return true
        }
    }

    /// Powers up a new card. The insertion event is counted together with the new card
    /// state, because a client that compared the state in between would see the new
    /// event counter with the card still absent.
    private func powerUpInsertedCard(countingEvent: Bool) {
        do {
            let atr = try driver.powerUp()
            state.withLock { state in
                if countingEvent { state.countEvent() }
                state.cardPowered(atr: atr)
            }
            log.info("Reader \(name): card inserted, ATR \(atr.map(hexByte).joined(separator: " "))")
        } catch {
            state.withLock { state in
                if countingEvent { state.countEvent() }
                state.cardMute()
            }
            log.error("Reader \(name): card inserted but power-up failed: \(error)")
        }
    }

    /// Marks the reader as unplugged: its handles become orphans that only Disconnect
    /// and Release accept.
    func markRemoved() {
        state.withLock { state in
            state.isRemoved = true
            state.cardState = .unknown
            state.sharing.markAll(.removed)
        }
    }

    // MARK: Connections

    /// Connects a new handle (`SCARD_CONNECT` after the request checks). Waits while
    /// another handle holds a transaction, as pcscd does.
    func connect(card: UInt32, mode: ShareMode, preferred: CardProtocols, connection: ConnectionID) throws(PCSCError) -> CardProtocols {
        try waitForLock(card: card, failIfExclusive: true)

        let activeProtocol: CardProtocols = try io.withLock { _ throws(PCSCError) in
            try state.withLock { state throws(PCSCError) in
                if state.isRemoved { throw .readerUnavailable }
                if state.cardState == .unknown { throw .readerUnavailable }
                if state.sharing.isExclusive { throw .sharingViolation }
            }

            var negotiated = state.withLock { $0.activeProtocol }
            if mode != .direct {
                try preparePoweredCard()
                negotiated = try negotiateProtocol(preferred: preferred)
            }

            try state.withLock { state throws(PCSCError) in
                try state.sharing.admit(card: card, mode: mode, connection: connection)
                state.idleSince = nil
            }
            return negotiated
        }
        onChange()
        return activeProtocol
    }

    /// Waits (polling) until no other handle holds the transaction lock.
    private func waitForLock(card: UInt32, failIfExclusive: Bool) throws(PCSCError) {
        while true {
            let status = state.withLock { state -> (removed: Bool, exclusive: Bool, locked: Bool) in
                (state.isRemoved, state.sharing.isExclusive, state.sharing.isLocked(against: card))
            }
            if status.removed { throw .readerUnavailable }
            if failIfExclusive && status.exclusive { throw .sharingViolation }
            if !status.locked { return }
            MonotonicClock.sleep(milliseconds: Self.lockPollMilliseconds)
        }
    }

    /// Makes sure a card is present and powered; must run with `io` held.
    private func preparePoweredCard() throws(PCSCError) {
        let (current, powered) = state.withLock { ($0.cardState, $0.isPhysicallyPowered) }
        if current.contains(.absent) { throw .noSmartCard }
        if current.contains(.swallowed) { throw .unpoweredCard }
        if powered { return }

        do throws(DriverError) {
            let atr = try driver.powerUp()
            state.withLock { $0.cardPowered(atr: atr) }
        } catch .cardAbsent {
            throw .noSmartCard
        } catch .deviceGone {
            throw .readerUnavailable
        } catch {
            log.error("Reader \(name): power-up failed: \(error)")
            state.withLock { $0.cardMute() }
            throw .unpoweredCard
        }
    }

    /// Selects the protocol once per power-up, T=1 first, as pcscd does; later connects
    /// must accept the protocol already in use. Must run with `io` held.
    private func negotiateProtocol(preferred requested: CardProtocols) throws(PCSCError) -> CardProtocols {
        var preferred = requested
        if preferred.contains(.legacyAny) { preferred.formUnion(.any) }

        // As pcscd 1.9.9 does, RAW switches the slot to RAW for every handle, even when a
        // protocol was negotiated; later T=0/T=1 requests then get a protocol mismatch.
        if preferred.contains(.raw) {
            state.withLock { $0.activeProtocol = .raw }
            return .raw
        }
        let (current, atr) = state.withLock { ($0.activeProtocol, $0.atr) }
        if !current.isEmpty {
            guard !preferred.intersection(current).isEmpty else { throw .protocolMismatch }
            return current
        }

        let offered = ATRProtocols(atr: atr)
        let candidates = preferred.intersection(offered.available).intersection(.any)
        guard !candidates.isEmpty else { throw .protocolMismatch }
        let chosen: CardProtocols = candidates.contains(.t1) ? .t1 : .t0

        var selected = chosen
        do throws(DriverError) {
            selected = try driver.setProtocol(chosen)
        } catch .protocolNotSupported, .notSupported {
            selected = offered.defaultProtocol
        } catch .deviceGone {
            throw .readerUnavailable
        } catch {
            log.error("Reader \(name): selecting \(chosen) failed: \(error)")
            throw .unresponsiveCard
        }
        state.withLock { $0.activeProtocol = selected }
        return selected
    }

    /// `SCARD_RECONNECT` after the request checks.
    func reconnect(card: UInt32, mode: ShareMode, preferred: CardProtocols, initialization: Disposition) throws(PCSCError) -> CardProtocols {
        try io.withLock { _ throws(PCSCError) in
            try state.withLock { state throws(PCSCError) in
                if state.isRemoved { throw .readerUnavailable }
                try state.sharing.checkSharing(card)
            }

            if initialization == .reset || initialization == .unpower {
                try cycleCard(initialization)
                state.withLock { $0.sharing.markAll(.reset) }
            }
            state.withLock { $0.sharing.clearPendingEvent(card: card) }

            var negotiated = state.withLock { $0.activeProtocol }
            if mode != .direct {
                try preparePoweredCard()
                negotiated = try negotiateProtocol(preferred: preferred)
            }
            try state.withLock { state throws(PCSCError) in
                try state.sharing.changeMode(card: card, to: mode)
                state.sharing.clearPendingEvent(card: card)
            }
            return negotiated
        }
    }

    /// `SCARD_DISCONNECT`: waits for another handle's transaction when the disposition
    /// touches the card, applies it, and removes the handle.
    func disconnect(card: UInt32, disposition: Disposition) throws(PCSCError) {
        if isRemoved {
            state.withLock { $0.sharing.remove(card: card) }
            return
        }
        if disposition != .leave {
            try? waitForLock(card: card, failIfExclusive: false)
        }
        io.withLock { _ in
            if disposition == .reset || disposition == .unpower {
                do throws(PCSCError) {
                    try cycleCard(disposition, leaveUnpowered: true)
                } catch {
                    log.error("Reader \(name): \(disposition) at disconnect failed: \(error)")
                }
                state.withLock { $0.sharing.markAll(.reset) }
            }
            state.withLock { state in
                state.sharing.remove(card: card)
                if state.sharing.handles.isEmpty && state.isPhysicallyPowered {
                    state.idleSince = MonotonicClock.milliseconds
                }
            }
        }
        onChange()
    }

    /// Powers the card down when no handle has used the slot for the grace time, as pcscd
    /// does to save power. The next connect powers it up again.
    func powerOffIfIdle(now: Int64 = MonotonicClock.milliseconds) {
        io.withLock { _ in
            let due = state.withLock { state in
                state.isPhysicallyPowered && state.sharing.handles.isEmpty
                    && state.idleSince.map { now - $0 >= Self.idlePowerOffMilliseconds } == true
            }
            guard due else { return }
            do throws(DriverError) {
                try driver.powerDown()
            } catch {
                log.debug("Reader \(name): powering the idle card down failed: \(error)")
            }
            state.withLock { $0.cardAutoPoweredOff() }
            log.debug("Reader \(name): idle card powered down")
        }
    }

    /// Resets or power-cycles the card; must run with `io` held. `.unpower` used by
    /// Disconnect leaves the card unpowered; Reconnect and EndTransaction power it up again.
    private func cycleCard(_ action: Disposition, leaveUnpowered: Bool = false) throws(PCSCError) {
        let present = state.withLock { !$0.isCardAbsent && $0.cardState != .unknown }
        guard present else { return }
        do throws(DriverError) {
            switch action {
            case .reset:
                let atr = try driver.reset()
                state.withLock { $0.cardPowered(atr: atr) }
            case .unpower:
                try driver.powerDown()
                if leaveUnpowered {
                    state.withLock { $0.cardUnpowered() }
                } else {
                    let atr = try driver.powerUp()
                    state.withLock { $0.cardPowered(atr: atr) }
                }
            case .leave, .eject:
                return
            }
        } catch .deviceGone {
            throw .readerUnavailable
        } catch .cardAbsent {
            throw .noSmartCard
        } catch {
            state.withLock { $0.cardMute() }
            throw .unresponsiveCard
        }
    }

    // MARK: Transactions

    func beginTransaction(card: UInt32) throws(PCSCError) {
        let result: Result<Void, PCSCError> = state.withLock { state in
            if state.isRemoved { return .failure(.readerUnavailable) }
            do throws(PCSCError) {
                try state.sharing.checkPendingEvent(card)
                try state.sharing.beginTransaction(card: card)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result {
            // Slow down the client's retry loop, as pcscd does.
            if error == .sharingViolation { MonotonicClock.sleep(milliseconds: Self.lockPollMilliseconds) }
            throw error
        }
    }

    func endTransaction(card: UInt32, disposition: Disposition) throws(PCSCError) {
        try io.withLock { _ throws(PCSCError) in
            try state.withLock { state throws(PCSCError) in
                if state.isRemoved { throw .readerUnavailable }
                try state.sharing.checkPendingEvent(card)
                try state.sharing.checkSharing(card)
            }
            if disposition == .reset || disposition == .unpower {
                try cycleCard(disposition)
                state.withLock { $0.sharing.markAll(.reset) }
            }
            try state.withLock { state throws(PCSCError) in
                try state.sharing.endTransaction(card: card)
            }
        }
    }

    // MARK: Card access

    /// Common checks of Status, Transmit and Get/SetAttrib: reader present, no other
    /// handle's lock, no pending event for this handle.
    private func checkAccess(card: UInt32, pendingEvents: Bool = true) throws(PCSCError) {
        try state.withLock { state throws(PCSCError) in
            if state.isRemoved { throw .readerUnavailable }
            try state.sharing.checkSharing(card)
            if pendingEvents { try state.sharing.checkPendingEvent(card) }
        }
    }

    func status(card: UInt32) throws(PCSCError) {
        try checkAccess(card: card)
    }

    func transmit(card: UInt32, sendProtocol: CardProtocols, apdu: [UInt8]) throws(PCSCError) -> [UInt8] {
        try io.withLock { _ throws(PCSCError) in
            try checkAccess(card: card)
            let (absent, active) = state.withLock { ($0.isCardAbsent, $0.activeProtocol) }
            if absent && sendProtocol != .raw { throw .noSmartCard }

            var exchangeProtocol = sendProtocol
            if sendProtocol == .legacyAny || sendProtocol == .raw {
                exchangeProtocol = active
            } else if sendProtocol != active {
                throw .protocolMismatch
            }

            log.apdu("APDU", apdu, reader: name)
            do throws(DriverError) {
                let response = try driver.transmit(apdu, protocol: exchangeProtocol)
                log.apdu("SW", response, reader: name)
                return response
            } catch {
                throw mapExchangeError(error, operation: "transmit")
            }
        }
    }

    func control(card: UInt32, code: ControlCode, input: [UInt8], maxOutput: Int) throws(PCSCError) -> [UInt8] {
        try io.withLock { _ throws(PCSCError) in
            try checkAccess(card: card, pendingEvents: false)
            do throws(DriverError) {
                return try driver.control(code, input: input, maxOutput: maxOutput)
            } catch {
                throw mapExchangeError(error, operation: "control \(code)")
            }
        }
    }

    /// Reads an attribute. The daemon returns the reader name attributes itself when the
    /// driver does not support them.
    func attribute(card: UInt32, id: AttributeID) throws(PCSCError) -> [UInt8] {
        try io.withLock { _ throws(PCSCError) in
            try checkAccess(card: card)
            let value: [UInt8]?
            do throws(DriverError) {
                value = try driver.attribute(id)
            } catch {
                throw mapExchangeError(error, operation: "get attribute \(id)")
            }
            if let value { return value }
            if id == .deviceFriendlyName || id == .deviceSystemName {
                return Array(name.utf8) + [0]
            }
            throw .unsupportedFeature
        }
    }

    func setAttribute(card: UInt32, id: AttributeID, value: [UInt8]) throws(PCSCError) {
        try io.withLock { _ throws(PCSCError) in
            try checkAccess(card: card)
            do throws(DriverError) {
                try driver.setAttribute(id, value: value)
            } catch .deviceGone {
                throw .readerUnavailable
            } catch {
                // pcscd reports every other driver failure of SetAttrib this way.
                throw .notTransacted
            }
        }
    }

    private func mapExchangeError(_ error: DriverError, operation: String) -> PCSCError {
        switch error {
        case .cardAbsent:
            state.withLock { state in
                if !state.isCardAbsent {
                    state.countEvent()
                    state.cardRemoved()
                }
            }
            return .noSmartCard
        case .deviceGone:
            return .readerUnavailable
        case .insufficientBuffer:
            return .insufficientBuffer
        case .notSupported:
            return .unsupportedFeature
        default:
            log.error("Reader \(name): \(operation) failed: \(error)")
            return .notTransacted
        }
    }

    /// Drops every handle of a closed connection. As in pcscd, a handle that owned the lock
    /// (a transaction or an exclusive connection) resets the card unless it already saw a
    /// reset or removal. Other handles leave the card as it is.
    func dropHandles(of connection: ConnectionID) {
        let cards = state.withLock { $0.sharing.cards(of: connection) }
        for card in cards {
            let resets = state.withLock { state in
                state.sharing.lockOwner == card && state.sharing.record(card)?.pending == PendingEvent.none
            }
            if resets {
                state.withLock { $0.sharing.releaseLock(card: card) }
            }
            try? disconnect(card: card, disposition: resets ? .reset : .leave)
        }
    }
}
