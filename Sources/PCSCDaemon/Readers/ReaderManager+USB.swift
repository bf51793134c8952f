import CCID
import PCSCTypes
import Threading
import USBTransport

/// USB readers: libusb hotplug events (or polling), plus a full rescan on SIGUSR1
/// (`pcscd --hotplug`, `systemctl reload pcscd`).
extension ReaderManager {
    func startUSB() {
        guard let usb else { return }
        let strategy: USBHotplugStrategy = options.forcedPollingSeconds.map {
            .polling(intervalMilliseconds: $0 * 1000)
        } ?? .automatic
        do {
            // Monitoring starts before the first enumeration so no arrival is missed;
            // devices reported twice are recognised by their key.
            try usb.startMonitoring(
                strategy: strategy,
                onArrival: { [self] candidate in consider(candidate) },
                onRemoval: { [self] key in removeUSBDevice(key) })
        } catch {
            log.error("USB hotplug monitoring failed: \(error); run 'pcscd --hotplug' after plugging a reader")
        }
        rescan()
    }

    /// Enumerates USB again: adds readers that appeared and removes those that left.
    func rescan() {
        guard let usb else { return }
        let candidates: [USBDeviceCandidate]
        do {
            candidates = try usb.devices()
        } catch {
            log.error("USB enumeration failed: \(error)")
            return
        }
        let present = Set(candidates.map { $0.key })
        let known = state.withLock { Array($0.usbDevices.keys) }
        for key in known where !present.contains(key) {
            removeUSBDevice(key)
        }
        for candidate in candidates {
            consider(candidate)
        }
        state.withLock { $0.otherUSBDevices.formIntersection(present) }
    }

    /// Opens a device with CCID interfaces that is not known yet and publishes its readers.
    private func consider(_ candidate: USBDeviceCandidate) {
        guard let usb else { return }
        let isKnown = state.withLock { $0.usbDevices[candidate.key] != nil || $0.otherUSBDevices.contains(candidate.key) }
        if isKnown { return }
        // A smart-card class interface the driver cannot use is reported once per plug-in,
        // so a user with a broken reader finds the reason in the log.
        for rejection in CCIDInterface.rejectedInterfaces(in: candidate.info) {
            log.error(
                "USB device \(candidate.key) (\(hex(candidate.info.vendorID, width: 4)):"
                    + "\(hex(candidate.info.productID, width: 4))): skipping \(rejection)")
        }
        guard !CCIDInterface.ccidInterfaces(in: candidate.info).isEmpty else {
            state.withLock { _ = $0.otherUSBDevices.insert(candidate.key) }
            return
        }

        let device: LibUSBDevice
        do {
            device = try usb.open(candidate)
        } catch {
            log.error("Cannot open USB reader \(candidate.key) (\(hex(candidate.info.vendorID, width: 4)):\(hex(candidate.info.productID, width: 4))): \(error)")
            return
        }
        log.info("USB reader found at \(candidate.key)")
        let readers = addCCIDDevice(device, key: "usb:\(candidate.key.portName)")
        if readers.isEmpty {
            device.close()
            state.withLock { _ = $0.otherUSBDevices.insert(candidate.key) }
        } else {
            state.withLock { $0.usbDevices[candidate.key] = readers }
        }
    }

    private func removeUSBDevice(_ key: USBDeviceKey) {
        let readers = state.withLock { state -> [CCIDReaderDevice] in
            state.otherUSBDevices.remove(key)
            return state.usbDevices.removeValue(forKey: key) ?? []
        }
        for reader in readers {
            daemon.registry.remove(reader)
        }
    }
}
