import Glibc
import PCSCTypes
import Testing

@testable import CCID

/// Parses "3B 02 14 50" into bytes.
func hexBytes(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// Appends the TCK that makes T0 … TCK XOR to zero.
func withCheckByte(_ bytes: [UInt8]) -> [UInt8] {
    bytes + [bytes.dropFirst().reduce(0, ^)]
}

@Suite struct ATRTests {
    static let smartcardListPath = "/usr/share/pcsc/smartcard_list.txt"

    /// Turns a smartcard_list pattern into bytes: `.` becomes 0 and `[..]` its first hex
    /// digit. Returns nil when a token still is not a byte.
    static func substituteWildcards(_ pattern: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for token in pattern.split(separator: " ") {
            var digits = ""
            var inClass = false
            var classTaken = false
            for character in token {
                switch character {
                case "[":
                    inClass = true
                    classTaken = false
                case "]":
                    inClass = false
                case "." where !inClass:
                    digits.append("0")
                default:
                    guard character.isHexDigit else { continue }
                    if inClass {
                        if !classTaken { digits.append(character); classTaken = true }
                    } else {
                        digits.append(character)
                    }
                }
            }
            guard digits.count == 2, let byte = UInt8(digits, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    @Test func everyATRInSmartcardList() throws {
        guard access(Self.smartcardListPath, R_OK) == 0 else {
            Issue.record("\(Self.smartcardListPath) is missing; install it with: apt-get install pcsc-tools")
            return
        }
        let text = try TestData.readText(Self.smartcardListPath)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("3B") || $0.hasPrefix("3F") }

        var exact = 0, substituted = 0, skipped = 0
        var parsed = 0, validTCK = 0, invalidTCK = 0, missingTCK = 0, noTCKNeeded = 0, withTrailing = 0
        var errors: [String: Int] = [:]

        for line in lines {
            let isExact = line.allSatisfy { $0.isHexDigit || $0 == " " }
            guard let bytes = isExact ? hexBytes(String(line)) : Self.substituteWildcards(String(line)) else {
                skipped += 1
                continue
            }
            if isExact { exact += 1 } else { substituted += 1 }

            do {
                let atr = try ATR(bytes: bytes)
                // Every decoded value must be computable without trapping.
                _ = (atr.clockRateConversion, atr.bitRateAdjustment, atr.maximumClock, atr.specificMode)
                _ = (atr.availableProtocols, atr.defaultProtocol, atr.t1Parameters, atr.extraGuardTime)
                if atr.ta1 == nil {
                    #expect(atr.clockRateConversion == 372, "\(line)")
                    #expect(atr.bitRateAdjustment == 1, "\(line)")
                }
                if atr.t1Parameters.ifsc < 1 || atr.t1Parameters.ifsc > 254 {
                    Issue.record("IFSC out of range for \(line)")
                }
                guard isExact else { continue }
                parsed += 1
                if !atr.trailingBytes.isEmpty { withTrailing += 1 }
                switch atr.checkByteStatus {
                case .valid: validTCK += 1
                case .invalid: invalidTCK += 1
                case .missing: missingTCK += 1
                case .notRequired: noTCKNeeded += 1
                }
            } catch {
                if isExact { errors["\(error)".split(separator: " ").prefix(4).joined(separator: " "), default: 0] += 1 }
            }
        }

        print("smartcard_list: \(lines.count) ATR lines, \(exact) exact, \(substituted) with wildcards substituted, \(skipped) skipped")
        print("exact ATRs: \(parsed) parsed (TCK valid \(validTCK), invalid \(invalidTCK), missing \(missingTCK), not required \(noTCKNeeded), trailing bytes \(withTrailing)); errors \(errors)")

        #expect(lines.count > 4000)
        #expect(exact + substituted + skipped == lines.count)
        #expect(parsed >= exact * 98 / 100, "most listed ATRs are well formed")
        #expect(validTCK > invalidTCK * 50, "TCK checking should agree with real cards")
    }

    @Test func directConventionT0Only() throws {
        let atr = try ATR(bytes: hexBytes("3B 02 14 50"))
        #expect(atr.convention == .direct)
        #expect(atr.interfaceBytes.count == 1)
        #expect(atr.historicalBytes == [0x14, 0x50])
        #expect(atr.checkByteStatus == .notRequired)
        #expect(atr.availableProtocols == .t0)
        #expect(atr.defaultProtocol == .t0)
        #expect(atr.clockRateConversion == 372)
        #expect(atr.bitRateAdjustment == 1)
        #expect(atr.waitingInteger == 10)
    }

    @Test func contactlessStorageCard() throws {
        let atr = try ATR(bytes: hexBytes("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A"))
        #expect(atr.checkByteStatus == .valid)
        #expect(atr.checkByte == 0x6A)
        #expect(atr.historicalBytes.count == 15)
        #expect(atr.availableProtocols == [.t0, .t1])
        #expect(atr.defaultProtocol == .t0)
        #expect(atr.ta1 == nil)
    }

    @Test func openPGPCard() throws {
        let atr = try ATR(bytes: hexBytes("3B FA 13 00 FF 81 31 80 45 00 31 C1 73 C0 01 00 00 90 00 B1"))
        #expect(atr.checkByteStatus == .valid)
        #expect(atr.ta1 == 0x13)
        #expect(atr.clockRateConversion == 372)
        #expect(atr.bitRateAdjustment == 4)
        #expect(atr.maximumClock == 5000)
        #expect(atr.tb1 == 0x00)
        #expect(atr.extraGuardTime == 0xFF)
        #expect(atr.availableProtocols == .t1)
        #expect(atr.defaultProtocol == .t1)
        #expect(atr.specificMode == nil)
        #expect(atr.t1Parameters.ifsc == 128)
        #expect(atr.t1Parameters.blockWaitingInteger == 4)
        #expect(atr.t1Parameters.characterWaitingInteger == 5)
        #expect(atr.t1Parameters.errorDetection == .lrc)
        #expect(atr.historicalBytes == hexBytes("00 31 C1 73 C0 01 00 00 90 00"))
    }

    @Test func inverseConvention() throws {
        let atr = try ATR(bytes: hexBytes("3F 65 25 00 2C 09 69 90 00"))
        #expect(atr.convention == .inverse)
        #expect(atr.tb1 == 0x25)
        #expect(atr.tc1 == 0x00)
        #expect(atr.historicalBytes == hexBytes("2C 09 69 90 00"))
        #expect(atr.checkByteStatus == .notRequired)
    }

    @Test func specificModeForcesProtocol() throws {
        // TA1 18, TD1 90 (TA2 and TD2 follow, T=0), TA2 01 (specific T=1), TD2 01 (T=1).
        let atr = try ATR(bytes: withCheckByte(hexBytes("3B 92 18 90 01 01 AA BB")))
        let mode = try #require(atr.specificMode)
        #expect(mode.protocolNumber == 1)
        #expect(mode.usesImplicitParameters == false)
        #expect(mode.canChangeMode)
        #expect(atr.availableProtocols == .t1)
        #expect(atr.defaultProtocol == .t1)
        #expect(atr.checkByteStatus == .valid)

        let implicit = try ATR(bytes: withCheckByte(hexBytes("3B 92 18 90 91 01 AA BB")))
        #expect(implicit.specificMode?.usesImplicitParameters == true)
        #expect(implicit.specificMode?.canChangeMode == false)
    }

    @Test func t0WaitingIntegerAndGuardTime() throws {
        // TC1 = 5, TD1 = 40 (TC2 follows, T=0), TC2 = 20.
        let atr = try ATR(bytes: hexBytes("3B C0 05 40 14"))
        #expect(atr.extraGuardTime == 5)
        #expect(atr.waitingInteger == 20)
        #expect(atr.checkByteStatus == .notRequired)
    }

    @Test func crcAndClampedIFSC() throws {
        // TD1 81, TD2 71 (TA3 TB3 TC3, T=1), TA3 FF, TB3 24, TC3 01.
        let atr = try ATR(bytes: withCheckByte(hexBytes("3B 80 81 71 FF 24 01")))
        #expect(atr.t1Parameters.ifsc == 254)
        #expect(atr.t1Parameters.errorDetection == .crc)
        #expect(atr.t1Parameters.waitingIntegers == 0x24)
    }

    @Test func fiDiTable() throws {
        let cases: [(UInt8, Int?, Int?)] = [
            (0x11, 372, 1), (0x18, 372, 12), (0x96, 512, 32), (0x95, 512, 16), (0x13, 372, 4),
            (0x71, nil, 1), (0x1A, 372, nil), (0xD8, 2048, 12),
        ]
        for (ta1, fi, di) in cases {
            let atr = try ATR(bytes: [0x3B, 0x10, ta1])
            #expect(atr.clockRateConversion == fi, "TA1 \(ta1)")
            #expect(atr.bitRateAdjustment == di, "TA1 \(ta1)")
        }
    }

    @Test func wrongAndMissingCheckByte() throws {
        let good = hexBytes("3B FA 13 00 FF 81 31 80 45 00 31 C1 73 C0 01 00 00 90 00 B1")
        let wrong = try ATR(bytes: Array(good.dropLast()) + [0xB2])
        #expect(wrong.checkByteStatus == .invalid(expected: 0xB1))

        let missing = try ATR(bytes: Array(good.dropLast()))
        #expect(missing.checkByteStatus == .missing)
        #expect(missing.checkByte == nil)
    }

    @Test func trailingBytesAreKept() throws {
        let atr = try ATR(bytes: hexBytes("3B 02 14 50 99 98"))
        #expect(atr.trailingBytes == [0x99, 0x98])
    }

    @Test func malformedATRsThrow() {
        #expect(throws: ATRError.empty) { try ATR(bytes: []) }
        #expect(throws: ATRError.invalidTS(0x3A)) { try ATR(bytes: [0x3A, 0x00]) }
        #expect(throws: ATRError.missingFormatByte) { try ATR(bytes: [0x3B]) }
        #expect(throws: ATRError.interfaceBytesTruncated(byte: "TD2")) { try ATR(bytes: hexBytes("3B 80 80")) }
        #expect(throws: ATRError.historicalBytesTruncated(expected: 5, available: 2)) { try ATR(bytes: hexBytes("3B 05 01 02")) }
        #expect(throws: ATRError.tooLong(40)) { try ATR(bytes: [0x3B] + [UInt8](repeating: 0, count: 39)) }
    }

    /// CVE-2010-4531: every TD announces four more interface bytes, so a parser without
    /// bounds checks walks past the 33-byte ATR.
    @Test func cve2010_4531PatternIsRejected() {
        var pattern: [UInt8] = [0x3B, 0xFF]
        while pattern.count < 33 { pattern += [0x11, 0x22, 0x33, 0xF0] }
        let thirtyThree = Array(pattern.prefix(33))

        #expect(catchError(thirtyThree) == .interfaceBytesTruncated(byte: "TD8"))
        #expect(throws: ATRError.tooLong(pattern.count + 8)) { try ATR(bytes: pattern + [UInt8](repeating: 0xF0, count: 8)) }
    }

    private func catchError(_ bytes: [UInt8]) -> ATRError {
        do {
            _ = try ATR(bytes: bytes)
            return .empty
        } catch {
            return error
        }
    }

    /// Random byte strings starting with a valid TS never trap the parser.
    @Test func randomBytesNeverTrap() {
        var seed: UInt64 = 0x1234_5678
        func next() -> UInt8 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        var outcomes = 0
        for _ in 0..<20_000 {
            let length = Int(next() % 34)
            var bytes = (0..<length).map { _ in next() }
            if !bytes.isEmpty { bytes[0] = next() & 1 == 0 ? 0x3B : 0x3F }
            if let atr = try? ATR(bytes: bytes) {
                _ = (atr.availableProtocols, atr.defaultProtocol, atr.t1Parameters, atr.clockRateConversion)
            }
            outcomes += 1
        }
        #expect(outcomes == 20_000)
    }
}
