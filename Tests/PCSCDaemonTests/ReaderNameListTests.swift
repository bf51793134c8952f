import Testing

@testable import PCSCDaemon

@Suite struct ReaderNameListTests {
    let sample = """
        <dict>
        \t<key>CFBundleName</key>
        \t<string>CCIDCLASSDRIVER</string>
        \t<key>ifdVendorID</key>
        \t<array>
        \t\t<string>0x072F</string>
        \t\t<string>0x08E6</string>
        \t</array>
        \t<key>ifdProductID</key>
        \t<array>
        \t\t<string>0x90CC</string>
        \t\t<string>0x3437</string>
        \t</array>
        \t<key>ifdFriendlyName</key>
        \t<array>
        \t\t<string>ACS ACR 38U-CCID</string>
        \t\t<string>Gemalto PC Twin &amp; Reader</string>
        \t</array>
        </dict>
        """

    @Test func parsesParallelArrays() {
        let list = ReaderNameList(infoPlist: sample)
        #expect(list.name(vendorID: 0x072F, productID: 0x90CC) == "ACS ACR 38U-CCID")
        #expect(list.name(vendorID: 0x08E6, productID: 0x3437) == "Gemalto PC Twin & Reader")
        #expect(list.name(vendorID: 0x1209, productID: 0x0001) == nil)
    }

    @Test func unequalArraysAreIgnored() {
        let broken = sample.replacing("<string>0x3437</string>", with: "")
        #expect(ReaderNameList(infoPlist: broken).names.isEmpty)
    }

    @Test func stringBeforeAnyKeyIsIgnored() {
        let list = ReaderNameList(infoPlist: "<string>orphan</string>\n" + sample)
        #expect(list.names.count == 2)
    }

    @Test func debianLibccidBundle() throws {
        // Debian's pcscd package depends on libccid, which installs this file.
        let text = try #require(readTextFile("/etc/libccid_Info.plist"), "apt-get install libccid")
        let list = ReaderNameList(infoPlist: text)
        #expect(list.names.count > 500)
        #expect(list.name(vendorID: 0x08E6, productID: 0x3437) == "Gemalto PC Twin Reader")
    }
}
