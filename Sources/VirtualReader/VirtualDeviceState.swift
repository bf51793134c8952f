/// Everything a virtual CCID reader keeps between transfers: its slots, the bulk-IN queue,
/// pending slot-change notifications and whether the device still exists.
///
/// A value type without locks or clocks: callers pass the current monotonic time in
/// nanoseconds, and `VirtualCCIDDevice` adds the locking and the waiting.
struct VirtualDeviceState: Sendable {
    let configuration: VirtualReaderConfiguration
    private(set) var slots: [VirtualSlot]
    /// Bulk-IN messages in the order they become ready.
    private(set) var queue: [QueuedFrame] = []
    /// Per slot: changed since the last NotifySlotChange was read.
    private(set) var changedSlots: [Bool]
    private(set) var detached = false
    private(set) var closed = false

    /// A bulk-IN message waiting to be read.
    struct QueuedFrame: Sendable, Equatable {
        var slot: Int
        var bytes: [UInt8]
        /// Monotonic time in nanoseconds from which a read may return it.
        var readyAt: UInt64
    }

    /// The result of one look at bulk IN.
    enum ReadLookup: Equatable {
        /// A message is ready.
        case frame([UInt8])
        /// Nothing is ready; the next message is ready at the given time, if one is queued.
        case wait(until: UInt64?)
    }

    /// Creates the state of a reader that just appeared. Slots with a card start with their
    /// "changed" bit set, as a reader reports its cards after power-up.
    init(configuration: VirtualReaderConfiguration) {
        self.configuration = configuration
        slots = (0..<configuration.slotCount).map { index in
            VirtualSlot(
                mode: configuration.mode, maxDataLength: configuration.maxDataLength,
                cardInserted: configuration.cardsInserted.contains(index))
        }
        changedSlots = (0..<configuration.slotCount).map { configuration.cardsInserted.contains($0) }
    }

    var isGone: Bool { detached || closed }

    // MARK: Bulk transfers

    /// Processes one bulk-OUT message written at `now`. Messages shorter than the 10-byte
    /// header get no response, as a real reader cannot tell which slot they were for.
    mutating func write(_ bytes: [UInt8], now: UInt64) {
        guard let command = CCIDCommand(bytes: bytes) else { return }
        let slotIndex = Int(command.slot)

        if command.declaredLength != command.payload.count || bytes.count > configuration.maxMessageLength {
            enqueue(failure(command, .badLength), slot: slotIndex, at: now)
            return
        }
        guard slotIndex < slots.count else {
            enqueue(failure(command, .badSlot), slot: slotIndex, at: now)
            return
        }

        if command.type == .abort {
            queue.removeAll { $0.slot == slotIndex && $0.readyAt > now }
        } else if queue.contains(where: { $0.slot == slotIndex && $0.readyAt > now }) {
            enqueue(failure(command, .slotBusy), slot: slotIndex, at: now)
            return
        }

        let outcome = slots[slotIndex].handle(command)
        if outcome.deviceGone {
            detach()
            return
        }
        for frame in outcome.frames {
            enqueue(frame.bytes, slot: slotIndex, at: now + UInt64(frame.delayMilliseconds) * 1_000_000)
        }
    }

    /// Removes and returns the first message when it is ready at `now`.
    mutating func read(now: UInt64) -> ReadLookup {
        guard let head = queue.first else { return .wait(until: nil) }
        guard head.readyAt <= now else { return .wait(until: head.readyAt) }
        queue.removeFirst()
        return .frame(head.bytes)
    }

    /// Handles the ABORT class request: the command still running on `slot` ends at once
    /// with CMD_ABORTED, and a following PC_to_RDR_Abort completes the procedure.
    mutating func requestAbort(slot: Int, now: UInt64) {
        guard let running = queue.last(where: { $0.slot == slot && $0.readyAt > now }) else { return }
        queue.removeAll { $0.slot == slot && $0.readyAt > now }

        var aborted = Array(running.bytes[..<10])
        aborted[1...4] = [0, 0, 0, 0]
        aborted[7] = aborted[7] & 0x03 | CommandStatus.failed.rawValue << 6
        aborted[8] = SlotError.commandAborted.rawValue
        aborted[9] = 0
        enqueue(aborted, slot: slot, at: now)
    }

    // MARK: Interrupt endpoint

    /// Returns RDR_to_PC_NotifySlotChange when a slot changed since the last one, and clears
    /// the "changed" bits.
    mutating func takeNotification() -> [UInt8]? {
        guard changedSlots.contains(true) else { return nil }

        var message = [UInt8](repeating: 0, count: 1 + (slots.count + 3) / 4)
        message[0] = 0x50
        for index in slots.indices {
            let shift = 2 * (index % 4)
            if slots[index].state != .absent { message[1 + index / 4] |= 1 << shift }
            if changedSlots[index] { message[1 + index / 4] |= 2 << shift }
        }
        changedSlots = changedSlots.map { _ in false }
        return message
    }

    // MARK: Control API

    mutating func insertCard(slot: Int) throws(VirtualReaderError) {
        try checkSlot(slot)
        guard slots[slot].state == .absent else { throw .cardAlreadyPresent(slot: slot) }
        slots[slot].insertCard()
        changedSlots[slot] = true
    }

    mutating func removeCard(slot: Int) throws(VirtualReaderError) {
        try checkSlot(slot)
        guard slots[slot].state != .absent else { throw .noCard(slot: slot) }
        slots[slot].removeCard()
        changedSlots[slot] = true
    }

    mutating func arm(_ fault: VirtualReaderFault, slot: Int) throws(VirtualReaderError) {
        try checkSlot(slot)
        slots[slot].faults.arm(fault)
    }

    mutating func clearFaults(slot: Int) throws(VirtualReaderError) {
        try checkSlot(slot)
        slots[slot].faults = SlotFaults()
    }

    func slotState(_ slot: Int) throws(VirtualReaderError) -> VirtualSlotState {
        guard slot >= 0, slot < slots.count else {
            throw .slotOutOfRange(slot: slot, slotCount: slots.count)
        }
        return slots[slot].state
    }

    mutating func detach() {
        detached = true
        queue = []
    }

    mutating func close() {
        closed = true
    }

    /// Clears the closed flag unless the device is detached, and returns whether it did.
    mutating func reopen() -> Bool {
        guard !detached else { return false }
        closed = false
        return true
    }

    private func checkSlot(_ slot: Int) throws(VirtualReaderError) {
        guard !detached else { throw .detached }
        guard slot >= 0, slot < slots.count else {
            throw .slotOutOfRange(slot: slot, slotCount: slots.count)
        }
    }

    // MARK: Queue

    private mutating func enqueue(_ bytes: [UInt8], slot: Int, at readyAt: UInt64) {
        let frame = QueuedFrame(slot: slot, bytes: bytes, readyAt: readyAt)
        let index = queue.firstIndex { $0.readyAt > readyAt } ?? queue.endIndex
        queue.insert(frame, at: index)
    }

    private func failure(_ command: CCIDCommand, _ error: SlotError) -> [UInt8] {
        let slotIndex = Int(command.slot)
        let status: ICCStatus = slotIndex < slots.count ? slots[slotIndex].iccStatus : .absent
        let response = CCIDResponse(
            type: command.responseType, slot: command.slot, sequence: command.sequence,
            iccStatus: status, commandStatus: .failed, error: error.rawValue)
        return response.bytes
    }
}
