import CPCSC
import Testing

// The C layouts and values as Swift imports them through the CPCSC module. The
// full comparison with Debian's headers is Tests/abi/check-headers.sh; these
// tests catch what the Swift importer could change or drop.

@Test func readerStateLayout() {
    #expect(MemoryLayout<SCARD_READERSTATE>.size == 80)
    #expect(MemoryLayout<SCARD_READERSTATE>.alignment == 8)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.szReader) == 0)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.pvUserData) == 8)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.dwCurrentState) == 16)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.dwEventState) == 24)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.cbAtr) == 32)
    #expect(MemoryLayout<SCARD_READERSTATE>.offset(of: \.rgbAtr) == 40)
}

@Test func ioRequestAndHeaderLayout() {
    #expect(MemoryLayout<SCARD_IO_REQUEST>.size == 16)
    #expect(MemoryLayout<SCARD_IO_REQUEST>.offset(of: \.cbPciLength) == 8)
    #expect(MemoryLayout<SCARD_IO_HEADER>.size == 16)
    #expect(MemoryLayout<SCARD_IO_HEADER>.offset(of: \.Length) == 8)
}

@Test func packedStructureSizes() {
    #expect(MemoryLayout<PCSC_TLV_STRUCTURE>.size == 6)
    #expect(MemoryLayout<PIN_VERIFY_STRUCTURE>.size == 19)
    #expect(MemoryLayout<PIN_MODIFY_STRUCTURE>.size == 24)
    #expect(MemoryLayout<PIN_PROPERTIES_STRUCTURE>.size == 4)
    #expect(MemoryLayout<PIN_VERIFY_STRUCTURE>.alignment == 1)
}

@Test func scalarTypeWidths() {
    #expect(MemoryLayout<DWORD>.size == 8)
    #expect(MemoryLayout<LONG>.size == 8)
    #expect(MemoryLayout<ULONG>.size == 8)
    #expect(MemoryLayout<SCARDCONTEXT>.size == 8)
    #expect(MemoryLayout<SCARDHANDLE>.size == 8)
    #expect(MemoryLayout<RESPONSECODE>.size == 8)
    #expect(MemoryLayout<WORD>.size == 2)
    #expect(MemoryLayout<BYTE>.size == 1)
}

@Test func errorCodesArePositiveLongs() {
    let timeout: LONG = SCARD_E_TIMEOUT
    #expect(timeout == 0x8010_000A)
    #expect(timeout > 0)
    #expect(SCARD_S_SUCCESS == 0)
    #expect(SCARD_E_UNSUPPORTED_FEATURE == SCARD_E_UNEXPECTED)
    #expect(SCARD_W_CARD_NOT_AUTHENTICATED == 0x8010_006F)
}

@Test func sizeAndTimeoutConstants() {
    let autoAllocate: DWORD = SCARD_AUTOALLOCATE
    #expect(autoAllocate == DWORD.max)
    let infinite: UInt32 = INFINITE
    #expect(infinite == 0xFFFF_FFFF)
    #expect(MAX_ATR_SIZE == 33)
    #expect(MAX_READERNAME == 128)
    #expect(MAX_BUFFER_SIZE == 264)
    #expect(MAX_BUFFER_SIZE_EXTENDED == 65548)
    #expect(PCSCLITE_MAX_READERS_CONTEXTS == 16)
    #expect(PCSCLITE_VERSION_NUMBER == "1.9.9")
}

@Test func flagConstants() {
    #expect(SCARD_PROTOCOL_ANY == SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    #expect(SCARD_STATE_UNPOWERED == 0x400)
    #expect(SCARD_SHARE_DIRECT == 3)
    #expect(SCARD_EJECT_CARD == 3)
    #expect(IFD_ERROR_INSUFFICIENT_BUFFER == 618)
    #expect(TAG_IFD_DEVICE_REMOVED == 0x0FB4)
    #expect(FEATURE_EXECUTE_PACE == 0x20)
    #expect(PCSCv2_PART10_PROPERTY_wIdProduct == 12)
}

@Test func pciObjectContents() {
    #expect(g_rgSCardT0Pci.dwProtocol == 1)
    #expect(g_rgSCardT0Pci.cbPciLength == 16)
    #expect(g_rgSCardT1Pci.dwProtocol == 2)
    #expect(g_rgSCardT1Pci.cbPciLength == 16)
    #expect(g_rgSCardRawPci.dwProtocol == 4)
    #expect(g_rgSCardRawPci.cbPciLength == 16)
}
