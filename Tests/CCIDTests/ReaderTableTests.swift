import PCSCTypes
import Testing

@testable import CCID

/// Every interface block of the libccid reader dumps, rebuilt as USB descriptors and run
/// through discovery, descriptor decoding and the quirk table.
@Suite struct ReaderTableTests {
    static let rows: [ReaderRow] = (try? ReaderRow.load()) ?? []

    /// Readers whose dumps show the class descriptor after the last endpoint.
    static let descriptorAfterEndpoint: Set<USBProductID> = [
        USBProductID(vendorID: 0x0B97, productID: 0x7762), USBProductID(vendorID: 0x0B97, productID: 0x7772),
        USBProductID(vendorID: 0x0C4B, productID: 0x0300), USBProductID(vendorID: 0x1B0E, productID: 0x1078),
    ]

    static func classDescriptor(_ row: ReaderRow) -> CCIDClassDescriptor {
        CCIDClassDescriptor(
            descriptorType: ReaderRow.hex8(row["class_bDescriptorType"]),
            ccidRelease: ReaderRow.bcd(row["bcdCCID"]),
            maxSlotIndex: UInt8(row["bMaxSlotIndex"]) ?? 0,
            voltageSupport: VoltageSupport(rawValue: ReaderRow.hex8(row["bVoltageSupport"])),
            protocolBits: ReaderRow.hex32(row["dwProtocols"]),
            defaultClock: UInt32(row["dwDefaultClock_kHz"]) ?? 0,
            maxDataRate: UInt32(row["dwMaxDataRate"]) ?? 0,
            maxIFSD: UInt32(row["dwMaxIFSD"]) ?? 0,
            features: CCIDFeatures(rawValue: ReaderRow.hex32(row["dwFeatures"])),
            maxMessageLength: UInt32(row["dwMaxCCIDMessageLength"]) ?? 0,
            lcdLayout: LCDLayout(rawValue: ReaderRow.hex16(row["wLcdLayout"])),
            pinSupport: PINSupport(rawValue: ReaderRow.hex8(row["bPINSupport"])),
            maxBusySlots: UInt8(row["bMaxCCIDBusySlots"]) ?? 0)
    }

    static func interfaceProtocol(_ name: String) -> UInt8 {
        switch name {
        case "ICCD-A": 1
        case "ICCD-B": 2
        default: 0
        }
    }

    static func builder(_ row: ReaderRow) -> DescriptorBuilder {
        DescriptorBuilder(
            interfaceNumber: UInt8(row["bInterfaceNumber"]) ?? 0,
            interfaceClass: ReaderRow.hex8(row["bInterfaceClass"]),
            interfaceProtocol: interfaceProtocol(row["bInterfaceProtocol"]),
            interfaceStringIndex: 4,
            numberOfEndpoints: UInt8(row["bNumEndpoints"]) ?? 0,
            classDescriptor: classDescriptor(row).bytes,
            placement: descriptorAfterEndpoint.contains(row.product) ? .afterLastEndpoint : .afterInterface)
    }

    static func levelName(_ level: ExchangeLevel?) -> String {
        switch level {
        case .character: "character"
        case .tpdu: "TPDU"
        case .shortAPDU: "short_APDU"
        case .extendedAPDU: "extended_APDU"
        case nil: "undefined"
        }
    }

    static func protocolsName(_ protocols: CardProtocols) -> String {
        var names: [String] = []
        if protocols.contains(.t0) { names.append("T=0") }
        if protocols.contains(.t1) { names.append("T=1") }
        return names.joined(separator: ",")
    }

    /// Discovery, decoding and quirks for one row; nil when discovery finds nothing.
    static func configuration(_ row: ReaderRow) -> CCIDReaderConfiguration? {
        let info = builder(row).deviceInfo(
            vendorID: row.product.vendorID, productID: row.product.productID, release: ReaderRow.bcd(row["bcdDevice"]))
        let interfaces = CCIDInterface.ccidInterfaces(in: info)
        guard interfaces.count == 1 else { return nil }
        return CCIDReaderConfiguration(device: info, interface: interfaces[0])
    }

    @Test func tableHasEveryBlock() {
        #expect(Self.rows.count == 773, "readers.tsv at \(TestData.readersTSV) should hold 773 interface blocks")
    }

    @Test(arguments: rows.indices)
    func blockMatchesTable(index: Int) throws {
        let row = Self.rows[index]
        let context = "\(row.file) block \(row["block"]) (\(row.product))"
        let configuration = try #require(Self.configuration(row), "discovery found no single CCID interface in \(context)")
        let descriptor = configuration.interface.descriptor

        #expect(Self.levelName(configuration.exchangeLevel) == row["effective_level"], "\(context)")
        #expect(Self.levelName(descriptor.exchangeLevel) == row["exchange_level"], "\(context)")
        #expect(configuration.slotCount == (Int(row["bMaxSlotIndex"]) ?? -1) + 1, "\(context)")
        #expect(Self.protocolsName(configuration.protocols) == row["protocols"], "\(context)")
        #expect(descriptor.maxMessageLength == UInt32(row["dwMaxCCIDMessageLength"]), "\(context)")
        #expect(descriptor.maxIFSD == UInt32(row["dwMaxIFSD"]), "\(context)")
        #expect(configuration.pinSupport.rawValue == ReaderRow.hex8(row["effective_bPINSupport"]), "\(context)")
        #expect(descriptor.pinSupport.rawValue == ReaderRow.hex8(row["bPINSupport"]), "\(context)")
        #expect(descriptor.features.rawValue == ReaderRow.hex32(row["dwFeatures"]), "\(context)")
        #expect(descriptor.descriptorType == ReaderRow.hex8(row["class_bDescriptorType"]), "\(context)")

        let expectsInterrupt = row["bInterfaceProtocol"] == "CCID" && row["bNumEndpoints"] == "3"
        #expect(configuration.usesInterruptEndpoint == expectsInterrupt, "\(context)")
        let hasInterruptEndpoint = configuration.interface.endpoints.interruptIn != nil
        #expect(hasInterruptEndpoint == (row["interrupt_ep"] == "yes"), "\(context)")
    }

    @Test func mySmartPadGetsIFSD254() throws {
        let row = try #require(Self.rows.first { $0.product == USBProductID(vendorID: 0x09BE, productID: 0x0002) })
        let configuration = try #require(Self.configuration(row))
        #expect(configuration.interface.descriptor.maxIFSD == 0)
        #expect(configuration.maxIFSD == 254)
    }

    @Test func countsPerLevelMatchSpecification() {
        var declared: [String: Int] = [:]
        var effective: [String: Int] = [:]
        var interruptUsers = 0
        var pinPads = 0
        var multiSlot = 0

        for row in Self.rows {
            guard let configuration = Self.configuration(row) else { continue }
            declared[Self.levelName(configuration.interface.descriptor.exchangeLevel), default: 0] += 1
            effective[Self.levelName(configuration.exchangeLevel), default: 0] += 1
            if configuration.usesInterruptEndpoint { interruptUsers += 1 }
            if !configuration.pinSupport.isEmpty { pinPads += 1 }
            if configuration.slotCount > 1 { multiSlot += 1 }
        }

        #expect(declared == ["extended_APDU": 295, "TPDU": 278, "short_APDU": 194, "character": 6])
        #expect(effective == ["extended_APDU": 305, "TPDU": 278, "short_APDU": 184, "character": 6])
        #expect(interruptUsers == 773 - 87)
        #expect(pinPads == 87)
        #expect(multiSlot == 49)
    }

    @Test func descriptorRoundTrips() throws {
        for row in Self.rows {
            let descriptor = Self.classDescriptor(row)
            #expect(try CCIDClassDescriptor(bytes: descriptor.bytes) == descriptor)
        }
    }
}
