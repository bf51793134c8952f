/// A T=1 block (ISO/IEC 7816-3 §11.3): prologue NAD PCB LEN, information field, EDC.
public struct T1Block: Sendable, Hashable, CustomStringConvertible {
    /// The largest information field a block can carry.
    public static let maxInformationLength = 254

    /// The block kind and its PCB fields.
    public enum Kind: Sendable, Hashable {
        /// Information block with send sequence number N(S) and the more-data bit M.
        case information(sequence: UInt8, more: Bool)
        /// Receive-ready block acknowledging up to N(R), or reporting an error.
        case receiveReady(sequence: UInt8, error: ReceiveReadyError)
        /// Supervisory block.
        case supervisory(SupervisoryType, isResponse: Bool)
    }

    // The two field enums name their cases for `description`, because Embedded Swift
    // interpolates a value without `CustomStringConvertible` as "(cannot print value in
    // embedded Swift)".

    /// The error field of an R-block.
    public enum ReceiveReadyError: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// Acknowledgement without error.
        case none = 0
        /// EDC or parity error.
        case checksum = 1
        /// Any other error.
        case other = 2

        public var description: String {
            switch self {
            case .none: "none"
            case .checksum: "checksum"
            case .other: "other"
            }
        }
    }

    /// The type of an S-block.
    public enum SupervisoryType: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// Resynchronisation.
        case resynch = 0
        /// Information field size change; one INF byte.
        case ifs = 1
        /// Chain abortion.
        case abort = 2
        /// Waiting time extension; one INF byte, the BWT multiplier.
        case wtx = 3

        public var description: String {
            switch self {
            case .resynch: "resynch"
            case .ifs: "ifs"
            case .abort: "abort"
            case .wtx: "wtx"
            }
        }
    }

    /// Node address byte.
    public var nad: UInt8
    public var kind: Kind
    public var information: [UInt8]

    public init(nad: UInt8 = 0, kind: Kind, information: [UInt8] = []) {
        self.nad = nad
        self.kind = kind
        self.information = information
    }

    /// The protocol control byte.
    public var pcb: UInt8 {
        switch kind {
        case .information(let sequence, let more):
            return (sequence & 1) << 6 | (more ? 0x20 : 0)
        case .receiveReady(let sequence, let error):
            return 0x80 | (sequence & 1) << 4 | error.rawValue
        case .supervisory(let type, let isResponse):
            return 0xC0 | (isResponse ? 0x20 : 0) | type.rawValue
        }
    }

    /// Encodes the block for the wire, with its EDC.
    public func encoded(errorDetection: T1ErrorDetection) -> [UInt8] {
        var block: [UInt8] = [nad, pcb, UInt8(information.count)]
        block.append(contentsOf: information)
        block.append(contentsOf: T1Checksum.compute(block, errorDetection))
        return block
    }

    /// Decodes and checks a block: length, LEN, EDC and PCB coding.
    public init(decoding bytes: [UInt8], errorDetection: T1ErrorDetection) throws(T1BlockError) {
        let edcLength = errorDetection.length
        guard bytes.count >= 3 + edcLength else { throw .tooShort(bytes.count) }

        let length = Int(bytes[2])
        guard length != 0xFF else { throw .invalidLength }
        guard bytes.count == 3 + length + edcLength else {
            throw .lengthMismatch(declared: length, actual: bytes.count - 3 - edcLength)
        }

        let body = Array(bytes[0..<3 + length])
        let edc = Array(bytes[(3 + length)...])
        guard T1Checksum.compute(body, errorDetection) == edc else { throw .checksumMismatch }

        self.nad = bytes[0]
        self.information = Array(bytes[3..<3 + length])
        self.kind = try Self.decodePCB(bytes[1], informationLength: length)
    }

    private static func decodePCB(_ pcb: UInt8, informationLength: Int) throws(T1BlockError) -> Kind {
        if pcb & 0x80 == 0 {
            return .information(sequence: pcb >> 6 & 1, more: pcb & 0x20 != 0)
        }

        if pcb & 0x40 == 0 {
            guard pcb & 0x20 == 0, informationLength == 0,
                let error = ReceiveReadyError(rawValue: pcb & 0x0F)
            else { throw .invalidPCB(pcb) }
            return .receiveReady(sequence: pcb >> 4 & 1, error: error)
        }

        guard let type = SupervisoryType(rawValue: pcb & 0x1F) else { throw .invalidPCB(pcb) }
        let expectedLength = (type == .ifs || type == .wtx) ? 1 : 0
        guard informationLength == expectedLength else { throw .invalidPCB(pcb) }
        return .supervisory(type, isResponse: pcb & 0x20 != 0)
    }

    public var description: String {
        switch kind {
        case .information(let sequence, let more):
            "I(\(sequence)\(more ? ",M" : "")) \(information.count) bytes"
        case .receiveReady(let sequence, let error):
            "R(\(sequence))\(error == .none ? "" : " error \(error)")"
        case .supervisory(let type, let isResponse):
            "S(\(type) \(isResponse ? "response" : "request"))\(information.map { " " + hex2($0) }.joined())"
        }
    }
}

/// A reason why bytes are not a valid T=1 block.
public enum T1BlockError: Error, Equatable, Sendable {
    /// Shorter than a prologue plus EDC.
    case tooShort(Int)
    /// LEN is 0xFF, which ISO 7816-3 reserves.
    case invalidLength
    /// LEN disagrees with the number of bytes received.
    case lengthMismatch(declared: Int, actual: Int)
    /// The EDC does not match.
    case checksumMismatch
    /// The PCB is not a valid I, R or S coding, or LEN does not fit the block type.
    case invalidPCB(UInt8)
}

/// LRC and CRC of T=1 blocks.
public enum T1Checksum {
    /// Returns the EDC bytes of `bytes`.
    ///
    /// The CRC follows libccid 1.8.2: the reflected CCITT polynomial (0x8408), initial value
    /// 0xFFFF, no final XOR, sent high byte first. NOTE: not checked against a CRC card;
    /// such cards are rare.
    public static func compute(_ bytes: [UInt8], _ errorDetection: T1ErrorDetection) -> [UInt8] {
        switch errorDetection {
        case .lrc:
            return [bytes.reduce(0, ^)]
        case .crc:
            let crc = crc16(bytes)
            return [UInt8(crc >> 8), UInt8(crc & 0xFF)]
        }
    }

    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1
            }
        }
        return crc
    }
}
