/// The devices that arrived and left between two enumerations, matched by `USBDeviceKey`.
///
/// Polling hotplug uses it, and so can a caller that rescans on request: keep one value,
/// feed it every `LibUSBContext.devices()` result, and act on the changes it returns.
public struct USBDeviceListDiff: Sendable {
    /// The keys of the devices seen in the last enumeration.
    public private(set) var known: Set<USBDeviceKey>

    /// Starts from `devices`, which count as known (not as arrivals).
    public init(known devices: [USBDeviceCandidate] = []) {
        known = Set(devices.map { $0.key })
    }

    /// Records `current` as the new list and returns what changed: arrivals in the order
    /// of `current`, removals sorted by port name and address.
    public mutating func update(
        with current: [USBDeviceCandidate]
    ) -> (arrived: [USBDeviceCandidate], removed: [USBDeviceKey]) {
        let currentKeys = Set(current.map { $0.key })
        let arrived = current.filter { !known.contains($0.key) }
        let removed = known.subtracting(currentKeys).sorted { left, right in
            (left.portName, left.deviceAddress) < (right.portName, right.deviceAddress)
        }
        known = currentKeys
        return (arrived, removed)
    }
}
