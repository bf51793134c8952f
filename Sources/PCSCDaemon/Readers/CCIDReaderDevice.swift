import CCID
import PCSCTypes
import USBTransport

/// A CCID reader interface (USB or virtual) as a daemon reader device.
final class CCIDReaderDevice: ReaderDevice {
    let reader: CCIDReader
    let usbDevice: any USBDevice
    let baseName: String
    let driverName = "ccid"
    let deviceKey: String
    let slots: [any SlotDriver]

    init(reader: CCIDReader, usbDevice: any USBDevice, baseName: String, deviceKey: String) {
        self.reader = reader
        self.usbDevice = usbDevice
        self.baseName = baseName
        self.deviceKey = deviceKey
        self.slots = (0..<reader.slotCount).map { CCIDSlotDriver(reader: reader, slot: $0) }
    }

    func waitForChange(timeoutMilliseconds: Int) throws(DriverError) -> [Int] {
        do throws(CCIDError) {
            switch try reader.waitForSlotChange(timeoutMilliseconds: UInt32(timeoutMilliseconds)) {
            case .slotsChanged(let notification):
                return notification.changedSlots.union(notification.presentSlots).sorted()
            case .hardwareError(let slot, let code):
                log.error("Reader \(baseName): hardware error 0x\(hexByte(code)) in slot \(slot)")
                return [slot]
            case .timedOut:
                return []
            case .pollRequired:
                return Array(slots.indices)
            }
        } catch {
            throw DriverError(error)
        }
    }

    func close() {
        reader.close()
        usbDevice.close()
    }
}

/// One slot of a CCID reader.
final class CCIDSlotDriver: SlotDriver {
    let reader: CCIDReader
    let slot: Int

    init(reader: CCIDReader, slot: Int) {
        self.reader = reader
        self.slot = slot
    }

    func presence() throws(DriverError) -> CardPresence {
        do throws(CCIDError) {
            switch try reader.slotStatus(slot: slot) {
            case .absent: return .absent
            case .presentActive, .presentInactive: return .present(lostPower: false)
            }
        } catch {
            throw DriverError(error)
        }
    }

    func powerUp() throws(DriverError) -> [UInt8] {
        do throws(CCIDError) { return try reader.powerOn(slot: slot) } catch { throw DriverError(error) }
    }

    func reset() throws(DriverError) -> [UInt8] {
        do throws(CCIDError) { return try reader.reset(slot: slot) } catch { throw DriverError(error) }
    }

    func powerDown() throws(DriverError) {
        do throws(CCIDError) { try reader.powerOff(slot: slot) } catch { throw DriverError(error) }
    }

    func setProtocol(_ cardProtocol: CardProtocols) throws(DriverError) -> CardProtocols {
        do throws(CCIDError) {
            return try reader.setProtocol(slot: slot, protocols: cardProtocol)
        } catch {
            throw DriverError(error)
        }
    }

    func transmit(_ apdu: [UInt8], protocol cardProtocol: CardProtocols) throws(DriverError) -> [UInt8] {
        do throws(CCIDError) { return try reader.transmit(slot: slot, apdu: apdu) } catch { throw DriverError(error) }
    }

    func control(_ code: ControlCode, input: [UInt8], maxOutput: Int) throws(DriverError) -> [UInt8] {
        do throws(CCIDError) {
            return try reader.control(slot: slot, code: code, input: input, maxOutput: maxOutput)
        } catch {
            throw DriverError(error)
        }
    }

    func attribute(_ id: AttributeID) throws(DriverError) -> [UInt8]? {
        do throws(CCIDError) { return try reader.attribute(slot: slot, id: id) } catch { throw DriverError(error) }
    }

    func setAttribute(_ id: AttributeID, value: [UInt8]) throws(DriverError) {
        throw .notSupported
    }
}

extension DriverError {
    /// Maps the CCID driver's errors to the daemon's driver errors.
    init(_ error: CCIDError) {
        switch error {
        case .cardAbsent: self = .cardAbsent
        case .cardMute, .cardNotPowered: self = .cardMute
        case .deviceGone, .readerClosed: self = .deviceGone
        case .protocolNotSupported: self = .protocolNotSupported
        case .ppsFailed: self = .protocolNegotiationFailed
        case .insufficientBuffer(let needed): self = .insufficientBuffer(needed: needed)
        case .notSupported: self = .notSupported
        case .unsupportedExchangeLevel, .unsupportedTransport, .firmwareTooOld: self = .unsupportedReader("\(error)")
        default: self = .communication("\(error)")
        }
    }
}
