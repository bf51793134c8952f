/// The process-wide table of context and card handles. Held only for lookups and
/// updates, never during I/O, so a fork is unlikely to copy it in the locked state.
struct HandleTable: ~Copyable, Sendable {
    /// One live handle of this process.
    // NOTE: internal rather than private, like `CardBindings.Entry`: a private nested
    // type stored in these lists made Swift 6.3.1 fail with "Global is external, but
    // doesn't have external or weak linkage" when another file used the list.
    struct Entry: Sendable {
        /// The kind of handle, with the kind's own data.
        enum Kind: Sendable {
            /// A context, with the daemon's number for it. The numbers are kept so that
            /// `SCARD_CANCEL` (which names the daemon's number) never reaches the wrong
            /// context of this process.
            case context(daemonContext: UInt32)
            /// A card handle of the context in `record`.
            case card
        }

        let value: Int
        var kind: Kind
        let record: ContextRecord

        var isContext: Bool {
            if case .context = kind { return true }
            return false
        }

        var daemonContext: UInt32? {
            if case .context(let number) = kind { return number }
            return nil
        }
    }

    private var entries = SmallList<Entry>()

    /// Finds a context of this process.
    func context(_ handle: ContextHandle) -> ContextRecord? {
        entries.firstIndex { $0.value == handle.rawValue && $0.isContext }.map { entries[$0].record }
    }

    /// Finds the context that owns a card handle.
    func owner(of card: CardHandle) -> ContextRecord? {
        entries.firstIndex { $0.value == card.rawValue && !$0.isContext }.map { entries[$0].record }
    }

    /// True when a live context uses the daemon's context number `number`.
    func isInUse(daemonContext number: UInt32) -> Bool {
        entries.contains { $0.daemonContext == number }
    }

    mutating func insert(context record: ContextRecord, daemonContext: UInt32) {
        entries.append(Entry(value: record.handle.rawValue, kind: .context(daemonContext: daemonContext), record: record))
    }

    mutating func insert(card: CardHandle, owner record: ContextRecord) {
        entries.append(Entry(value: card.rawValue, kind: .card, record: record))
    }

    /// Records that a context moved from the daemon's context number `old` to `new`.
    mutating func replaceDaemonContext(_ old: UInt32, with new: UInt32) {
        guard let index = entries.firstIndex(where: { $0.daemonContext == old }) else { return }
        entries[index].kind = .context(daemonContext: new)
    }

    mutating func remove(context handle: ContextHandle) {
        guard let index = entries.firstIndex(where: { $0.value == handle.rawValue && $0.isContext }) else { return }
        entries.swapRemove(at: index)
    }

    mutating func remove(card: CardHandle) {
        guard let index = entries.firstIndex(where: { $0.value == card.rawValue && !$0.isContext }) else { return }
        entries.swapRemove(at: index)
    }

    /// Returns a random handle value that no context or card handle uses.
    func unusedHandleValue() -> Int {
        HandleValue.random { value in
            entries.contains { $0.value == value }
        }
    }
}

/// The card handles of one context, with each handle's link to the daemon.
struct CardBindings: ~Copyable, Sendable {
    struct Entry: Sendable {
        let card: CardHandle
        var binding: CardBinding
    }

    private var entries = SmallList<Entry>()

    var isEmpty: Bool { entries.count == 0 }

    subscript(card: CardHandle) -> CardBinding? {
        get {
            entries.firstIndex { $0.card == card }.map { entries[$0].binding }
        }
        set {
            let index = entries.firstIndex { $0.card == card }
            switch (index, newValue) {
            case (let index?, let binding?): entries[index].binding = binding
            case (let index?, nil): entries.swapRemove(at: index)
            case (nil, let binding?): entries.append(Entry(card: card, binding: binding))
            case (nil, nil): break
            }
        }
    }

    /// Removes every card handle and returns them.
    mutating func removeAll(_ body: (CardHandle) -> Void) {
        while entries.count > 0 {
            body(entries.swapRemove(at: entries.count - 1).card)
        }
    }
}
