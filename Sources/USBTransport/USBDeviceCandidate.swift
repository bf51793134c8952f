/// Where a USB device sits on the bus, stable while it stays plugged in.
///
/// The bus number and port path name the physical socket; the address changes every time
/// a device is plugged in, so a device re-plugged into the same port gets a different key.
/// Use the key to match a removal to the device that arrived earlier.
public struct USBDeviceKey: Sendable, Hashable, CustomStringConvertible {
    public var busNumber: UInt8
    /// Port numbers from the root hub down to the device; empty for a root hub.
    public var portPath: [UInt8]
    public var deviceAddress: UInt8

    public init(busNumber: UInt8, portPath: [UInt8], deviceAddress: UInt8) {
        self.busNumber = busNumber
        self.portPath = portPath
        self.deviceAddress = deviceAddress
    }

    /// The Linux sysfs name of the position, such as `1-4.2`, or `usb1` for a root hub.
    public var portName: String {
        if portPath.isEmpty {
            return "usb\(busNumber)"
        }
        return "\(busNumber)-" + portPath.map(String.init).joined(separator: ".")
    }

    public var description: String {
        "\(portName) (address \(deviceAddress))"
    }
}

/// A device found by enumeration or hotplug, before anything has opened it.
public struct USBDeviceCandidate: Sendable, Hashable {
    public var key: USBDeviceKey
    public var info: USBDeviceInfo

    public init(key: USBDeviceKey, info: USBDeviceInfo) {
        self.key = key
        self.info = info
    }
}
