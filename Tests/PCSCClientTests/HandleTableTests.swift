import PCSCWire
import Testing

@testable import PCSCClient

@Test func smallListGrowsPastInitialCapacity() {
    var list = SmallList<Int>()
    for value in 0..<10 {
        list.append(value)
    }

    #expect(list.count == 10)
    #expect(list[0] == 0)
    #expect(list[9] == 9)
    #expect(list.firstIndex { $0 == 7 } == 7)
}

@Test func smallListSwapRemoveMovesLast() {
    var list = SmallList<String>()
    list.append("a")
    list.append("b")
    list.append("c")

    #expect(list.swapRemove(at: 0) == "a")
    #expect(list.count == 2)
    #expect(list[0] == "c")
    #expect(list[1] == "b")
    #expect(list.swapRemove(at: 1) == "b")
    #expect(list.count == 1)
    #expect(!list.contains { $0 == "b" })
}

@Test func cardBindingsSetReplaceRemove() {
    // The lists cannot be copied, so each check reads its value into a local first.
    var bindings = CardBindings()
    let first = CardHandle(rawValue: 1)
    let second = CardHandle(rawValue: 2)
    bindings[first] = CardBinding(daemonCard: 10, readerName: "A", generation: 0)
    bindings[second] = CardBinding(daemonCard: 20, readerName: "B", generation: 0)
    bindings[first] = CardBinding(daemonCard: 11, readerName: "A", generation: 1)

    let replaced = bindings[first]?.daemonCard
    let kept = bindings[second]?.daemonCard
    #expect(replaced == 11)
    #expect(kept == 20)

    bindings[first] = nil
    let removedBinding = bindings[first]
    let emptyAfterOne = bindings.isEmpty
    #expect(removedBinding == nil)
    #expect(!emptyAfterOne)

    var removed: [Int] = []
    bindings.removeAll { removed.append($0.rawValue) }
    let emptyAtEnd = bindings.isEmpty
    #expect(removed == [2])
    #expect(emptyAtEnd)
}

/// A context record whose connection has no socket, for table tests without I/O.
private func unconnectedRecord(_ value: Int, daemonContext: UInt32) -> ContextRecord {
    let connection = DaemonConnection(channel: DaemonChannel(socket: UnixSocket(fd: -1)), version: .v4_6)
    return ContextRecord(handle: ContextHandle(rawValue: value), session: Session(scope: 2, connection: connection, daemonContext: daemonContext))
}

@Test func handleTableKeepsKindsApart() {
    var table = HandleTable()
    let record = unconnectedRecord(5, daemonContext: 500)
    table.insert(context: record, daemonContext: 500)
    table.insert(card: CardHandle(rawValue: 6), owner: record)

    let context = table.context(ContextHandle(rawValue: 5))
    let cardAsContext = table.context(ContextHandle(rawValue: 6))
    let owner = table.owner(of: CardHandle(rawValue: 6))
    let contextAsCard = table.owner(of: CardHandle(rawValue: 5))
    let daemonContextUsed = table.isInUse(daemonContext: 500)
    let otherDaemonContextUsed = table.isInUse(daemonContext: 6)
    #expect(context === record)
    #expect(cardAsContext == nil)
    #expect(owner === record)
    #expect(contextAsCard == nil)
    #expect(daemonContextUsed)
    #expect(!otherDaemonContextUsed)
}

@Test func handleTableReplacesAndRemoves() {
    var table = HandleTable()
    let record = unconnectedRecord(5, daemonContext: 500)
    table.insert(context: record, daemonContext: 500)
    table.insert(card: CardHandle(rawValue: 6), owner: record)

    table.replaceDaemonContext(500, with: 501)
    let oldUsed = table.isInUse(daemonContext: 500)
    let newUsed = table.isInUse(daemonContext: 501)
    #expect(!oldUsed)
    #expect(newUsed)

    table.remove(card: CardHandle(rawValue: 6))
    let ownerAfterRemoval = table.owner(of: CardHandle(rawValue: 6))
    let contextAfterCardRemoval = table.context(ContextHandle(rawValue: 5))
    #expect(ownerAfterRemoval == nil)
    #expect(contextAfterCardRemoval === record)

    table.remove(context: ContextHandle(rawValue: 5))
    let contextAfterRemoval = table.context(ContextHandle(rawValue: 5))
    let numberAfterRemoval = table.isInUse(daemonContext: 501)
    #expect(contextAfterRemoval == nil)
    #expect(!numberAfterRemoval)
}
