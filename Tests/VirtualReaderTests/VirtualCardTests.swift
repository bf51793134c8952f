import Testing
import VirtualCard

@Suite struct VirtualCardTests {
    @Test func atrBytesAndChecksum() {
        #expect(hexText(CardATR.bytes) == "3B 9C 96 80 31 80 45 80 5A 73 77 69 66 74 2D 70 63 73 63 F5")
        #expect(CardATR.bytes.dropFirst().reduce(0, ^) == 0)
        #expect(String(decoding: CardATR.historicalBytes.dropFirst(2), as: UTF8.self) == "swift-pcsc")
    }

    @Test func resetReturnsATRAndSelectsMF() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 04 0C 0A F0 73 77 69 66 74 70 63 73 63"))
        #expect(card.reset() == CardATR.bytes)
        #expect(card.currentDirectory == CardFileSystem.masterFile)
    }

    @Test func selectByAIDReturnsFCI() {
        var card = VirtualCard()
        let response = card.process(hexBytes("00 A4 04 00 0A F0 73 77 69 66 74 70 63 73 63 00"))
        #expect(response.statusWord == .success)
        #expect(hexText(response.data) == "6F 13 82 01 38 83 02 50 00 84 0A F0 73 77 69 66 74 70 63 73 63")
    }

    @Test func selectByTruncatedAID() {
        var card = VirtualCard()
        let response = card.process(hexBytes("00 A4 04 0C 03 F0 73 77"))
        #expect(response.statusWord == .success)
        #expect(response.data.isEmpty)
        #expect(card.fileSystem.files[card.currentDirectory].fileID == 0x5000)
    }

    @Test func selectNextOccurrenceNotFound() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 04 0C 03 F0 73 77"))
        #expect(card.process(hexBytes("00 A4 04 0E 03 F0 73 77")).statusWord == .fileNotFound)
    }

    @Test func selectUnknownAID() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 04 00 05 A0 00 00 00 01")).statusWord == .fileNotFound)
    }

    @Test func selectAIDWrongLength() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 04 00")).statusWord == .wrongLength)
        let seventeen = [UInt8](repeating: 0xF0, count: 17)
        #expect(card.process([0x00, 0xA4, 0x04, 0x00, 17] + seventeen).statusWord == .wrongLength)
    }

    @Test func selectEFReturnsFCP() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 00 0C 02 50 00"))
        let response = card.process(hexBytes("00 A4 02 04 02 50 01 00"))
        #expect(response.statusWord == .success)
        #expect(hexText(response.data) == "62 0E 82 01 01 83 02 50 01 80 02 01 2C 88 01 08")
    }

    @Test func selectByFileIDSearchesRelatives() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 00 0C 02 50 00")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C 02 50 02")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C 02 50 03")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C 02 2F 00")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C 02 12 34")).statusWord == .fileNotFound)
        #expect(card.process(hexBytes("00 A4 00 0C 02 3F 00")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C 02 2F 00")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 00 0C")).statusWord == .success)
        #expect(card.currentElementaryFile == nil)
    }

    @Test func selectByFileIDWrongLength() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 00 0C 01 3F")).statusWord == .wrongLength)
        #expect(card.process(hexBytes("00 A4 02 0C 03 50 01 00")).statusWord == .wrongLength)
    }

    @Test func selectChildDFAndEFKinds() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 02 0C 02 50 00")).statusWord == .fileNotFound)
        #expect(card.process(hexBytes("00 A4 01 0C 02 2F 00")).statusWord == .fileNotFound)
        #expect(card.process(hexBytes("00 A4 01 0C 02 50 00")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 02 0C 02 50 02")).statusWord == .success)
    }

    @Test func selectParent() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 03 0C")).statusWord == .fileNotFound)
        _ = card.process(hexBytes("00 A4 01 0C 02 50 00"))
        #expect(card.process(hexBytes("00 A4 03 0C")).statusWord == .success)
        #expect(card.currentDirectory == CardFileSystem.masterFile)
        #expect(card.process(hexBytes("00 A4 03 0C 02 3F 00")).statusWord == .wrongLength)
    }

    @Test func selectByPath() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 08 0C 04 50 00 50 02")).statusWord == .success)
        #expect(card.fileSystem.files[card.currentElementaryFile!].fileID == 0x5002)
        #expect(card.process(hexBytes("00 A4 09 0C 02 50 01")).statusWord == .success)
        _ = card.process(hexBytes("00 A4 00 0C"))
        #expect(card.process(hexBytes("00 A4 09 0C 02 50 01")).statusWord == .fileNotFound)
        _ = card.process(hexBytes("00 A4 08 0C 02 50 00"))
        #expect(card.process(hexBytes("00 A4 09 0C 02 50 01")).statusWord == .success)
        #expect(card.process(hexBytes("00 A4 08 0C 03 50 00 50")).statusWord == .wrongLength)
    }

    @Test func selectBadParameters() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 05 00 02 3F 00")).statusWord == .incorrectP1P2)
        #expect(card.process(hexBytes("00 A4 00 08 02 3F 00")).statusWord == .incorrectP1P2)
        #expect(card.process(hexBytes("00 A4 00 01 02 3F 00")).statusWord == .incorrectP1P2)
        #expect(card.process(hexBytes("00 A4 00 02 02 3F 00")).statusWord == .incorrectP1P2)
    }

    @Test func readBinaryWithoutCurrentEF() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 B0 00 00 10")).statusWord == .noCurrentEF)
    }

    @Test func readBinaryOffsets() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 08 0C 04 50 00 50 01"))

        let first = card.process(hexBytes("00 B0 00 00 00"))
        #expect(first.statusWord == .success)
        #expect(first.data == (0..<256).map { UInt8($0 % 251) })

        let tail = card.process(hexBytes("00 B0 01 00 00"))
        #expect(tail.statusWord == .success)
        #expect(tail.data == (256..<300).map { UInt8($0 % 251) })

        let middle = card.process(hexBytes("00 B0 00 FA 04"))
        #expect(middle.data == [250, 0, 1, 2])
    }

    @Test func readBinaryPastEndGives6282() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 08 0C 04 50 00 50 02"))
        let response = card.process(hexBytes("00 B0 00 08 05"))
        #expect(response.statusWord == .endOfFileReached)
        #expect(response.data == Array("89".utf8))
    }

    @Test func readBinaryOffsetOutsideGives6B00() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 08 0C 04 50 00 50 02"))
        #expect(card.process(hexBytes("00 B0 00 0A 01")).statusWord == .offsetOutsideEF)
        #expect(card.process(hexBytes("00 B0 7F FF 01")).statusWord == .offsetOutsideEF)
    }

    @Test func readBinaryWithDataGives6700() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 08 0C 04 50 00 50 02"))
        #expect(card.process(hexBytes("00 B0 00 00 01 00 05")).statusWord == .wrongLength)
    }

    @Test func readBinaryByShortIdentifier() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 04 0C 0A F0 73 77 69 66 74 70 63 73 63"))
        let response = card.process(hexBytes("00 B0 82 02 03"))
        #expect(response.statusWord == .success)
        #expect(response.data == Array("234".utf8))
        #expect(card.fileSystem.files[card.currentElementaryFile!].fileID == 0x5002)
        #expect(card.process(hexBytes("00 B0 85 00 01")).statusWord == .fileNotFound)
        #expect(card.process(hexBytes("00 B0 A1 00 01")).statusWord == .incorrectP1P2)
    }

    @Test func readBinaryExtendedLe() {
        var card = VirtualCard()
        _ = card.process(hexBytes("00 A4 08 0C 04 50 00 50 03"))
        let response = card.process(hexBytes("00 B0 00 00 00 00 00"))
        #expect(response.statusWord == .success)
        #expect(response.data.count == 4096)
        #expect(response.data[1000] == UInt8(truncatingIfNeeded: 7000))
    }

    @Test func readEFDir() {
        var card = VirtualCard()
        let response = card.process(hexBytes("00 B0 9E 00 00"))
        #expect(hexText(response.data) == "61 13 4F 0A F0 73 77 69 66 74 70 63 73 63 50 05 56 43 41 52 44")
    }

    @Test func getChallengeIsDeterministic() {
        var card = VirtualCard()
        let first = card.process(hexBytes("00 84 00 00 08"))
        #expect(first.statusWord == .success)
        #expect(hexText(first.data) == "3F 75 FF B6 06 AA E0 72")
        let second = card.process(hexBytes("00 84 00 00 00"))
        #expect(hexText(second.data) == "5A BA F0 96 14 39 70 71")
        _ = card.reset()
        #expect(card.process(hexBytes("00 84 00 00 08")).data == first.data)
    }

    @Test func getChallengeWrongLe() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 84 00 00 04")).statusWord == .wrongLe(exact: 8))
        #expect(card.process(hexBytes("00 84 00 00 01 00 08")).statusWord == .wrongLength)
        #expect(card.process(hexBytes("00 84 01 00 08")).statusWord == .incorrectP1P2)
    }

    @Test func echoReturnsData() {
        var card = VirtualCard()
        let response = card.process(hexBytes("80 10 00 00 03 AA BB CC 00"))
        #expect(response.bytes == hexBytes("AA BB CC 90 00"))
        #expect(card.process(hexBytes("80 10 00 00 03 AA BB CC")).bytes == hexBytes("AA BB CC 90 00"))
        #expect(card.process(hexBytes("80 10 00 01 01 AA")).statusWord == .incorrectP1P2)
    }

    @Test func echoExtendedLength() {
        var card = VirtualCard()
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 3) }
        let command = CommandAPDU(cla: 0x80, ins: 0x10, p1: 0, p2: 0, data: payload, expectedLength: 65536)
        let response = card.process(command.bytes)
        #expect(response.statusWord == .success)
        #expect(response.data == payload)
    }

    @Test func generateShortMaximum() {
        var card = VirtualCard()
        let response = card.process(hexBytes("80 12 00 00 00"))
        #expect(response.bytes.count == 258)
        #expect(response.data == (0..<256).map { UInt8($0) })
        #expect(response.statusWord == .success)
    }

    @Test func generateExtendedMaximum() {
        var card = VirtualCard()
        let response = card.process(hexBytes("80 12 00 00 00 00 00"))
        #expect(response.bytes.count == 65538)
        #expect(response.data[65535] == 0xFF)
        #expect(response.statusWord == .success)
    }

    @Test func generateLongerThanNeChainsWithGetResponse() {
        var card = VirtualCard()
        let first = card.process(hexBytes("80 12 01 2C 00"))
        #expect(first.data.count == 256)
        #expect(first.statusWord == .bytesRemaining(44))

        let rest = card.process(hexBytes("00 C0 00 00 2C"))
        #expect(rest.statusWord == .success)
        #expect(rest.data == (256..<300).map { UInt8(truncatingIfNeeded: $0) })
        #expect(card.process(hexBytes("00 C0 00 00 01")).statusWord == .conditionsNotSatisfied)
    }

    @Test func getResponseInPieces() {
        var card = VirtualCard()
        _ = card.process(hexBytes("80 12 00 20 10"))
        let piece = card.process(hexBytes("00 C0 00 00 08"))
        #expect(piece.statusWord == .bytesRemaining(8))
        #expect(card.process(hexBytes("00 C0 00 00 09")).statusWord == .wrongLe(exact: 8))
        let last = card.process(hexBytes("00 C0 00 00 00"))
        #expect(last.statusWord == .success)
        #expect(last.data == Array(24..<32))
    }

    @Test func otherCommandClearsPendingResponse() {
        var card = VirtualCard()
        _ = card.process(hexBytes("80 12 00 20 10"))
        _ = card.process(hexBytes("00 A4 00 0C"))
        #expect(card.process(hexBytes("00 C0 00 00 10")).statusWord == .conditionsNotSatisfied)
    }

    @Test func generateFewerThanNe() {
        var card = VirtualCard()
        let response = card.process(hexBytes("80 12 00 05 10"))
        #expect(response.bytes == hexBytes("00 01 02 03 04 90 00"))
    }

    @Test func delayReportsProcessingTime() {
        var card = VirtualCard()
        let response = card.process(hexBytes("80 14 0B B8"))
        #expect(response.statusWord == .success)
        #expect(response.processingMilliseconds == 3000)
        #expect(card.process(hexBytes("80 14 00 01 01 00")).statusWord == .wrongLength)
    }

    @Test func unknownInstruction() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 CA 00 00 00")).statusWord == .instructionNotSupported)
        #expect(card.process(hexBytes("80 A4 00 00")).statusWord == .instructionNotSupported)
    }

    @Test func unsupportedClasses() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("A0 A4 00 00 02 3F 00")).statusWord == .classNotSupported)
        #expect(card.process(hexBytes("FF CA 00 00 00")).statusWord == .classNotSupported)
        #expect(card.process(hexBytes("81 10 00 00")).statusWord == .classNotSupported)
        #expect(card.process(hexBytes("01 A4 00 0C")).statusWord == .logicalChannelNotSupported)
        #expect(card.process(hexBytes("0C A4 00 0C")).statusWord == .secureMessagingNotSupported)
        #expect(card.process(hexBytes("10 A4 00 0C")).statusWord == .commandChainingNotSupported)
    }

    @Test func malformedLengths() {
        var card = VirtualCard()
        #expect(card.process(hexBytes("00 A4 00")).statusWord == .wrongLength)
        #expect(card.process(hexBytes("00 A4 00 00 05 3F 00")).statusWord == .wrongLength)
        #expect(card.process(hexBytes("00 A4 00 00 00 00")).statusWord == .wrongLength)
        #expect(card.process(hexBytes("00 A4 00 00 00 00 02 3F")).statusWord == .wrongLength)
    }
}

@Suite struct CommandAPDUTests {
    @Test func decodesAllCases() {
        #expect(CommandAPDU(bytes: hexBytes("00 A4 00 00"))?.expectedLength == nil)
        #expect(CommandAPDU(bytes: hexBytes("00 B0 00 00 00"))?.expectedLength == 256)
        #expect(CommandAPDU(bytes: hexBytes("00 A4 00 00 02 3F 00"))?.data == [0x3F, 0x00])
        let case4 = CommandAPDU(bytes: hexBytes("00 A4 00 00 02 3F 00 10"))
        #expect(case4?.expectedLength == 16)
        #expect(case4?.isExtended == false)
        #expect(CommandAPDU(bytes: hexBytes("00 B0 00 00 00 00 00"))?.expectedLength == 65536)
        let case3E = CommandAPDU(bytes: hexBytes("00 A4 00 00 00 00 02 3F 00"))
        #expect(case3E?.isExtended == true)
        #expect(case3E?.expectedLength == nil)
        let case4E = CommandAPDU(bytes: hexBytes("00 A4 00 00 00 00 02 3F 00 01 00"))
        #expect(case4E?.expectedLength == 256)
    }

    @Test func encodingRoundTrips() {
        let samples = [
            "00 A4 00 00", "00 B0 00 00 00", "00 A4 00 00 02 3F 00", "00 A4 00 00 02 3F 00 10",
            "00 B0 00 00 00 00 00", "00 A4 00 00 00 00 02 3F 00", "00 A4 00 00 00 00 02 3F 00 01 00",
        ]
        for sample in samples {
            #expect(CommandAPDU(bytes: hexBytes(sample))?.bytes == hexBytes(sample), "\(sample)")
        }
    }
}

@Suite struct T0TransportTests {
    @Test func case2ExactLe() {
        var card = VirtualCard()
        #expect(card.processT0(hexBytes("80 12 00 04 04")).bytes == hexBytes("00 01 02 03 90 00"))
    }

    @Test func case2WrongLeGives6Cxx() {
        var card = VirtualCard()
        #expect(card.processT0(hexBytes("00 84 00 00 00")).bytes == hexBytes("6C 08"))
        let challenge = card.processT0(hexBytes("00 84 00 00 08"))
        #expect(hexText(challenge.data) == "3F 75 FF B6 06 AA E0 72")
    }

    @Test func case2ReadPastEndGives6Cxx() {
        var card = VirtualCard()
        _ = card.processT0(hexBytes("00 A4 08 0C 04 50 00 50 01"))
        #expect(card.processT0(hexBytes("00 B0 01 00 00")).bytes == hexBytes("6C 2C"))
        let tail = card.processT0(hexBytes("00 B0 01 00 2C"))
        #expect(tail.statusWord == .success)
        #expect(tail.data.count == 44)
    }

    @Test func case4Gives61xxThenGetResponse() {
        var card = VirtualCard()
        let select = card.processT0(hexBytes("00 A4 04 00 0A F0 73 77 69 66 74 70 63 73 63"))
        #expect(select.bytes == hexBytes("61 15"))
        let fci = card.processT0(hexBytes("00 C0 00 00 15"))
        #expect(fci.statusWord == .success)
        #expect(fci.data.first == 0x6F)
        #expect(fci.data.count == 0x15)
    }

    @Test func case4WithTrailingLeIgnoresLe() {
        var card = VirtualCard()
        #expect(card.processT0(hexBytes("80 10 00 00 02 AA BB 00")).bytes == hexBytes("61 02"))
        #expect(card.processT0(hexBytes("00 C0 00 00 02")).bytes == hexBytes("AA BB 90 00"))
    }

    @Test func getResponseWrongLeGives6Cxx() {
        var card = VirtualCard()
        _ = card.processT0(hexBytes("80 10 00 00 03 01 02 03"))
        #expect(card.processT0(hexBytes("00 C0 00 00 00")).bytes == hexBytes("6C 03"))
        #expect(card.processT0(hexBytes("00 C0 00 00 05")).bytes == hexBytes("6C 03"))
        #expect(card.processT0(hexBytes("00 C0 00 00 03")).bytes == hexBytes("01 02 03 90 00"))
    }

    @Test func longResponseChains61xx() {
        var card = VirtualCard()
        let payload = [UInt8](repeating: 0x5A, count: 255)
        #expect(card.processT0([0x80, 0x10, 0x00, 0x00, 0xFF] + payload).bytes == hexBytes("61 FF"))
        let first = card.processT0(hexBytes("00 C0 00 00 80"))
        #expect(first.statusWord == .bytesRemaining(0x7F))
        #expect(card.processT0(hexBytes("00 C0 00 00 7F")).statusWord == .success)
    }

    @Test func case1Commands() {
        var card = VirtualCard()
        #expect(card.processT0(hexBytes("80 14 00 0A 00")).bytes == hexBytes("90 00"))
        #expect(card.processT0(hexBytes("00 A4 03 0C")).bytes == hexBytes("6A 82"))
        #expect(card.processT0(hexBytes("00 A4 00 00")).bytes == hexBytes("61 09"))
    }

    @Test func badLengthsAndInstructions() {
        var card = VirtualCard()
        #expect(card.processT0(hexBytes("00 A4 00")).statusWord == .wrongLength)
        #expect(card.processT0(hexBytes("00 A4 00 0C 02 3F")).statusWord == .wrongLength)
        #expect(card.processT0(hexBytes("00 A4 00 0C 00 3F")).statusWord == .wrongLength)
        #expect(card.processT0(hexBytes("00 A4 00 0C 02")).statusWord == .wrongLength)
        #expect(card.processT0(hexBytes("00 64 00 00 00")).statusWord == .instructionNotSupported)
        #expect(card.processT0(hexBytes("00 94 00 00 00")).statusWord == .instructionNotSupported)
    }
}
