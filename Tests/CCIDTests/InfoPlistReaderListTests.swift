import Testing

@testable import CCID

@Suite struct InfoPlistReaderListTests {
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
        let list = SupportedReaderList(infoPlist: sample)
        #expect(list.name(for: USBProductID(vendorID: 0x072F, productID: 0x90CC)) == "ACS ACR 38U-CCID")
        #expect(list.name(for: USBProductID(vendorID: 0x08E6, productID: 0x3437)) == "Gemalto PC Twin & Reader")
        #expect(list.name(for: USBProductID(vendorID: 0x1209, productID: 0x0001)) == nil)
    }

    @Test func unequalArraysGiveEmptyList() {
        let broken = sample.replacing("<string>0x3437</string>", with: "")
        #expect(SupportedReaderList(infoPlist: broken).entries.isEmpty)
    }

    @Test func stringBeforeAnyKeyIsIgnored() {
        let list = SupportedReaderList(infoPlist: "<string>orphan</string>\n" + sample)
        #expect(list.entries.count == 2)
    }

    @Test func installedLibccidBundle() throws {
        // Debian's pcscd package depends on libccid, which installs this bundle.
        let list = SupportedReaderList.installedBundles()
        #expect(list.entries.count > 500, "libccid's bundle is missing: apt-get install libccid")
        #expect(list.name(for: USBProductID(vendorID: 0x08E6, productID: 0x3437)) == "Gemalto PC Twin Reader")
    }
}
