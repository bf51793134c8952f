/// A command APDU decoded into header, data field and expected response length (ISO 7816-4 §5.1).
public struct CommandAPDU: Hashable, Sendable {
    public var cla: UInt8
    public var ins: UInt8
    public var p1: UInt8
    public var p2: UInt8
    /// The command data field (Nc bytes, empty for cases 1 and 2).
    public var data: [UInt8]
    /// Ne, the maximum number of response bytes expected, or nil when the Le field is absent.
    /// A short Le of 00 decodes to 256 and an extended Le of 0000 to 65536.
    public var expectedLength: Int?
    /// True when Lc or Le used the three-byte (extended) encoding.
    public var isExtended: Bool

    public init(
        cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8,
        data: [UInt8] = [], expectedLength: Int? = nil, isExtended: Bool = false
    ) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.expectedLength = expectedLength
        self.isExtended = isExtended
    }

    /// P1 and P2 as one big-endian 16-bit value.
    public var p1p2: UInt16 { UInt16(p1) << 8 | UInt16(p2) }

    /// Ne with an absent Le field read as "as many as fit": 256, or 65536 for an extended APDU.
    ///
    /// This follows Java Card, which treats a missing Le in T=1 as the maximum, so a case 3
    /// command that produces data still returns it.
    public var effectiveExpectedLength: Int {
        expectedLength ?? (isExtended ? 65536 : 256)
    }

    /// True when the Le field asks for the maximum (00 or 0000, or absent), so that returning
    /// fewer bytes than Ne is normal and not a reason for 6282 or 6Cxx.
    public var asksForMaximum: Bool {
        guard let expectedLength else { return true }
        return expectedLength == (isExtended ? 65536 : 256)
    }
}

extension CommandAPDU {
    /// Decodes the four cases of ISO 7816-4 in short and extended form.
    ///
    /// Returns nil when the bytes are no valid APDU: fewer than 4 bytes, or a length that fits
    /// none of the cases (the card answers that with 6700).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 4 else { return nil }
        let header = (bytes[0], bytes[1], bytes[2], bytes[3])
        guard let body = Self.decodeBody(Array(bytes[4...])) else { return nil }

        self.init(
            cla: header.0, ins: header.1, p1: header.2, p2: header.3,
            data: body.data, expectedLength: body.expectedLength, isExtended: body.isExtended)
    }

    /// The encoded APDU: short form unless the lengths need the extended form or `isExtended`.
    public var bytes: [UInt8] {
        var result = [cla, ins, p1, p2]
        let extended = isExtended || data.count > 255 || (expectedLength ?? 0) > 256

        if !data.isEmpty {
            if extended {
                result += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
            } else {
                result.append(UInt8(data.count))
            }
            result += data
        }

        if let expectedLength {
            if extended {
                if data.isEmpty { result.append(0x00) }
                let encoded = expectedLength == 65536 ? 0 : expectedLength
                result += [UInt8(encoded >> 8), UInt8(encoded & 0xFF)]
            } else {
                result.append(UInt8(truncatingIfNeeded: expectedLength))
            }
        }
        return result
    }

    private static func decodeBody(_ body: [UInt8]) -> (data: [UInt8], expectedLength: Int?, isExtended: Bool)? {
        if body.isEmpty {
            return ([], nil, false)
        }

        if body.count == 1 {
            return ([], shortLe(body[0]), false)
        }

        if body[0] != 0 {
            let lc = Int(body[0])
            if body.count == 1 + lc { return (Array(body[1...]), nil, false) }
            if body.count == 2 + lc { return (Array(body[1...lc]), shortLe(body[lc + 1]), false) }
            return nil
        }

        return decodeExtendedBody(body)
    }

    private static func decodeExtendedBody(_ body: [UInt8]) -> (data: [UInt8], expectedLength: Int?, isExtended: Bool)? {
        guard body.count >= 3 else { return nil }
        let first = Int(body[1]) << 8 | Int(body[2])

        if body.count == 3 {
            return ([], extendedLe(first), true)
        }

        let lc = first
        guard lc > 0 else { return nil }
        if body.count == 3 + lc {
            return (Array(body[3..<(3 + lc)]), nil, true)
        }
        if body.count == 5 + lc {
            let le = Int(body[3 + lc]) << 8 | Int(body[4 + lc])
            return (Array(body[3..<(3 + lc)]), extendedLe(le), true)
        }
        return nil
    }

    private static func shortLe(_ byte: UInt8) -> Int { byte == 0 ? 256 : Int(byte) }
    private static func extendedLe(_ value: Int) -> Int { value == 0 ? 65536 : value }
}
