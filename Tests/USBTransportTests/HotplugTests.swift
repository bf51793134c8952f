import Testing
import Threading

@testable import USBTransport

private func candidate(port: UInt8, address: UInt8, product: UInt16 = 0x7301) -> USBDeviceCandidate {
    let key = USBDeviceKey(busNumber: 1, portPath: [port], deviceAddress: address)
    let info = USBDeviceInfo(
        vendorID: 0x1209, productID: product, deviceRelease: 0x0100, busNumber: 1, deviceAddress: address,
        manufacturerStringIndex: 1, productStringIndex: 2, serialNumberStringIndex: 3, configurationDescriptor: [])
    return USBDeviceCandidate(key: key, info: info)
}

@Test func diffReportsArrivalsAndRemovals() {
    let first = candidate(port: 1, address: 2)
    let second = candidate(port: 2, address: 3)
    let third = candidate(port: 3, address: 4)
    var diff = USBDeviceListDiff(known: [first, second])

    let changes = diff.update(with: [second, third])

    #expect(changes.arrived == [third])
    #expect(changes.removed == [first.key])
    #expect(diff.known == [second.key, third.key])
}

@Test func diffSeesReplugAsRemovalAndArrival() {
    let before = candidate(port: 1, address: 2)
    let after = candidate(port: 1, address: 5)
    var diff = USBDeviceListDiff(known: [before])

    let changes = diff.update(with: [after])

    #expect(changes.arrived == [after])
    #expect(changes.removed == [before.key])
}

@Test func diffWithoutChanges() {
    let device = candidate(port: 1, address: 2)
    var diff = USBDeviceListDiff(known: [device])

    let changes = diff.update(with: [device])

    #expect(changes.arrived.isEmpty)
    #expect(changes.removed.isEmpty)
}

/// Records hotplug events from the monitor's thread.
private final class EventLog: @unchecked Sendable {
    private let lock = ConditionLock()
    private var events: [String] = []

    func append(_ event: String) {
        lock.withLock {
            events.append(event)
            lock.broadcast()
        }
    }

    /// Waits up to `milliseconds` for `count` events and returns those seen.
    func wait(for count: Int, milliseconds: Int) -> [String] {
        let deadline = MonotonicClock.nanoseconds(afterMilliseconds: milliseconds)
        return lock.withLock {
            while events.count < count && MonotonicClock.nanoseconds < deadline {
                lock.wait(untilNanoseconds: deadline)
            }
            return events
        }
    }
}

/// Returns one scripted device list per call, then the last one again.
private final class ScriptedBus: @unchecked Sendable {
    private let lock = ConditionLock()
    private var lists: [[USBDeviceCandidate]]

    init(_ lists: [[USBDeviceCandidate]]) {
        self.lists = lists
    }

    func next() -> [USBDeviceCandidate] {
        lock.withLock {
            lists.count > 1 ? lists.removeFirst() : lists[0]
        }
    }
}

@Test func pollingMonitorDeliversChangesInOrder() {
    let first = candidate(port: 1, address: 2)
    let second = candidate(port: 2, address: 3, product: 0x7303)
    let bus = ScriptedBus([[first, second], [second], [second, candidate(port: 1, address: 4)]])
    let log = EventLog()
    let monitor = HotplugMonitor(
        onArrival: { log.append("arrived \($0.key)") },
        onRemoval: { log.append("removed \($0)") })

    monitor.startPolling(intervalMilliseconds: 5, initial: [first]) { bus.next() }
    let events = log.wait(for: 3, milliseconds: 2000)
    monitor.stop()

    #expect(events == [
        "arrived 1-2 (address 3)",
        "removed 1-1 (address 2)",
        "arrived 1-1 (address 4)",
    ])
}

@Test func queuedMonitorDeliversEnqueuedEvents() {
    let log = EventLog()
    let monitor = HotplugMonitor(
        onArrival: { log.append("arrived \($0.key)") },
        onRemoval: { log.append("removed \($0)") })
    monitor.startDelivering()

    monitor.enqueue(.arrival(candidate(port: 3, address: 9)))
    monitor.enqueue(.removal(USBDeviceKey(busNumber: 1, portPath: [3], deviceAddress: 9)))
    let events = log.wait(for: 2, milliseconds: 2000)
    monitor.stop()
    monitor.enqueue(.removal(USBDeviceKey(busNumber: 1, portPath: [4], deviceAddress: 1)))

    #expect(events == ["arrived 1-3 (address 9)", "removed 1-3 (address 9)"])
    #expect(log.wait(for: 3, milliseconds: 50).count == 2)
}

@Test func monitorStopsFromInsideItsClosure() {
    let log = EventLog()
    let box = MonitorBox()
    let monitor = HotplugMonitor(
        onArrival: { _ in
            box.monitor?.stop()
            log.append("stopped")
        },
        onRemoval: { _ in log.append("removal after stop") })
    box.monitor = monitor
    monitor.startDelivering()

    monitor.enqueue(.arrival(candidate(port: 1, address: 2)))
    #expect(log.wait(for: 1, milliseconds: 2000) == ["stopped"])
    monitor.enqueue(.removal(USBDeviceKey(busNumber: 1, portPath: [1], deviceAddress: 2)))

    #expect(log.wait(for: 2, milliseconds: 100) == ["stopped"])
}

private final class MonitorBox: @unchecked Sendable {
    var monitor: HotplugMonitor?
}

@Test func monitorStopTwiceIsHarmless() {
    let monitor = HotplugMonitor(onArrival: { _ in }, onRemoval: { _ in })
    monitor.startDelivering()

    monitor.stop()
    monitor.stop()
}
