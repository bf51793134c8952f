import Testing

@testable import CCID

@Suite struct ReaderNamingTests {
    static let list: SupportedReaderList? = try? SupportedReaderList(contentsOfFile: TestData.supportedReaders)

    func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }

    @Test func listLoadsFromFile() throws {
        let list = try SupportedReaderList(contentsOfFile: TestData.supportedReaders)
        #expect(list.entries.count == 642)
        #expect(list.invalidLines.isEmpty)
        #expect(Set(list.entries.map(\.product)).count == 642)

        var perSection: [String: Int] = [:]
        for entry in list.entries { perSection[entry.section ?? "none", default: 0] += 1 }
        #expect(perSection == ["supported": 61, "shouldwork": 552, "unsupported": 29])
    }

    @Test func missingListFileThrows() {
        #expect(throws: ReaderListError.self) {
            try SupportedReaderList(contentsOfFile: "/nonexistent/supported_readers.txt")
        }
    }

    @Test func parserHandlesSectionsCommentsAndBadLines() {
        let text = """
            # comment
            # section: supported
            0x072F:0x90CC:ACS ACR 38U-CCID\r
            #0x1111:0x2222:Disabled Reader
            0x08E6:0x3437:Gemalto PC Twin Reader
            0x08E6:0x3437:Second Name For Same Reader
            not a reader line
            0xZZZZ:0x0001:Bad Hex

            # section: shouldwork
            0x04E6:0xE001:SCM SCR 331 & friends
            """
        let list = SupportedReaderList(parsing: text)

        #expect(list.entries.count == 4)
        #expect(list.name(for: USBProductID(vendorID: 0x072F, productID: 0x90CC)) == "ACS ACR 38U-CCID")
        #expect(list.name(for: USBProductID(vendorID: 0x08E6, productID: 0x3437)) == "Gemalto PC Twin Reader")
        #expect(list.name(for: USBProductID(vendorID: 0x1111, productID: 0x2222)) == nil)
        #expect(list.entry(for: USBProductID(vendorID: 0x04E6, productID: 0xE001))?.section == "shouldwork")
        #expect(list.entry(for: USBProductID(vendorID: 0x04E6, productID: 0xE001))?.name == "SCM SCR 331 & friends")
        #expect(list.invalidLines.map(\.lineNumber) == [7, 8])
    }

    /// Every dump block named as pcscd would: the list name for listed VID:PIDs, the USB
    /// strings for the commented-out (disabled) ones.
    @Test func namesOfEveryDumpBlock() throws {
        let list = try #require(Self.list)
        let naming = ReaderNaming(readerList: list)
        var listed = 0
        var fallback = 0

        for row in ReaderTableTests.rows {
            let name = naming.baseName(
                product: row.product, manufacturer: row["iManufacturer"], productName: row["iProduct"],
                interfaceName: nil, serialNumber: nil)
            if row["list_section"] == "disabled" {
                #expect(list.name(for: row.product) == nil, "\(row.file)")
                #expect(name == row["iManufacturer"] + " " + row["iProduct"], "\(row.file)")
                fallback += 1
            } else {
                // The table trims the one list name with a trailing space; pcscd keeps it.
                #expect(trimmed(name) == row["name"], "\(row.file)")
                listed += 1
            }
        }
        #expect(listed == 757)
        #expect(fallback == 16)
    }

    @Test func interfaceAndSerialRules() throws {
        let list = try #require(Self.list)
        let product = USBProductID(vendorID: 0x08E6, productID: 0x3437)
        var naming = ReaderNaming(readerList: list)

        func name(_ interface: String?, _ serial: String?) -> String {
            naming.baseName(product: product, manufacturer: "Gemplus", productName: "USB SmartCard Reader", interfaceName: interface, serialNumber: serial)
        }

        #expect(name(nil, nil) == "Gemalto PC Twin Reader")
        #expect(name("CCID Interface", nil) == "Gemalto PC Twin Reader [CCID Interface]")
        #expect(name(nil, "1234ABCD") == "Gemalto PC Twin Reader (1234ABCD)")
        #expect(name("CCID Interface", "1234ABCD") == "Gemalto PC Twin Reader [CCID Interface] (1234ABCD)")
        #expect(name("Reader 1234ABCD", "1234ABCD") == "Gemalto PC Twin Reader [Reader 1234ABCD]")
        #expect(name("", "") == "Gemalto PC Twin Reader")

        naming.skipsSerialNumberInInterfaceName = false
        #expect(name("Reader 1234ABCD", "1234ABCD") == "Gemalto PC Twin Reader [Reader 1234ABCD] (1234ABCD)")

        naming.includesSerialNumber = false
        #expect(name("CCID Interface", "1234ABCD") == "Gemalto PC Twin Reader [CCID Interface]")

        naming.includesSerialNumber = true
        naming.includesInterfaceName = false
        #expect(name("CCID Interface", "1234ABCD") == "Gemalto PC Twin Reader (1234ABCD)")
    }

    @Test func unlistedReaderUsesUSBStrings() {
        let naming = ReaderNaming(readerList: SupportedReaderList(parsing: ""))
        let product = USBProductID(vendorID: 0x1234, productID: 0xABCD)

        #expect(naming.baseName(product: product, manufacturer: "Acme", productName: "Reader", interfaceName: nil, serialNumber: nil) == "Acme Reader")
        #expect(naming.baseName(product: product, manufacturer: nil, productName: "Reader", interfaceName: nil, serialNumber: nil) == "Reader")
        #expect(naming.baseName(product: product, manufacturer: nil, productName: nil, interfaceName: nil, serialNumber: nil) == "USB reader 1234:ABCD")
    }

    @Test func controlBytesInInterfaceBecomeDots() {
        let naming = ReaderNaming(readerList: nil)
        let name = naming.baseName(
            product: USBProductID(vendorID: 0x072F, productID: 0xB100), manufacturer: "ACS", productName: "ACR39U ICC Reader",
            interfaceName: "\u{02}<F??", serialNumber: nil)
        #expect(name == "ACS ACR39U ICC Reader [.<F??]")
    }

    @Test func nameIsTruncatedTo121Bytes() {
        let naming = ReaderNaming(readerList: nil)
        let name = naming.baseName(
            product: USBProductID(vendorID: 1, productID: 2), manufacturer: String(repeating: "M", count: 60),
            productName: String(repeating: "P", count: 60), interfaceName: String(repeating: "I", count: 30),
            serialNumber: "SERIAL")
        #expect(name.utf8.count == 121)
        #expect(name.hasPrefix(String(repeating: "M", count: 60) + " "))

        let accented = ReaderNaming.truncated(String(repeating: "é", count: 70), toBytes: 121)
        #expect(accented.utf8.count == 120)
    }

    @Test func suffixFormatsIndexAndSlot() {
        #expect(ReaderNaming.suffix(readerIndex: 0, slot: 0) == " 00 00")
        #expect(ReaderNaming.suffix(readerIndex: 0x1A, slot: 1) == " 1A 01")
    }
}
