/// A deterministic ISO 7816-4 card for tests: a small file tree, a few ISO commands and
/// proprietary test commands for the transport layers above it.
///
/// The card is a value type without I/O. A reader presenting it calls `reset()` at power-up,
/// then `process(_:)` for each APDU (T=1 and APDU-level readers) or `processT0(_:)` for each
/// T=0 TPDU. The ATR is `CardATR.bytes`, the file tree `CardFileSystem`.
///
/// Commands (CLA 00 = ISO, CLA 80 = proprietary test commands). Ne is the expected length
/// from Le; an absent Le counts as Le = 00 (256, or 65536 in an extended APDU), as on Java
/// Card. Data longer than Ne is cut to Ne bytes and the rest waits for GET RESPONSE with SW
/// 61xx (`xx` = bytes left, 00 for 256 or more).
///
/// | Command | Bytes | Response |
/// |---|---|---|
/// | SELECT by file id | `00 A4 00 P2 [02 FID]` | MF when the data is empty or 3F00; otherwise a child of the current DF, the current DF, its parent, or a sibling. 6A82 if none. |
/// | SELECT child DF | `00 A4 01 P2 02 FID` | DF below the current DF; 6A82 if none |
/// | SELECT EF | `00 A4 02 P2 02 FID` | EF below the current DF; 6A82 if none |
/// | SELECT parent DF | `00 A4 03 P2` | parent of the current DF; 6A82 at the MF |
/// | SELECT by DF name | `00 A4 04 P2 Lc AID` | DF whose name starts with AID (1–16 bytes); P2 low bits 00 = first, 02 = next occurrence |
/// | SELECT by path | `00 A4 08/09 P2 Lc path` | path of file ids from the MF (08, without 3F00) or from the current DF (09) |
/// | READ BINARY | `00 B0 P1 P2 [Le]` | P1 bit 8 clear: 15-bit offset P1P2 in the current EF; set: EF by SFI (P1 bits 5–1) in the current DF, offset P2. Returns min(Ne, size − offset) bytes with 9000, or 6282 when an explicit Le asked for more than remain. 6B00 if offset ≥ size, 6986 without a current EF, 6A82 for an unknown SFI. |
/// | GET CHALLENGE | `00 84 00 00 08` | 8 bytes from `ChallengeGenerator`, the same sequence after every reset (the first is 3F 75 FF B6 06 AA E0 72). Le 00 or absent also returns 8 bytes; any other Le gives 6C08. |
/// | GET RESPONSE | `00 C0 00 00 Le` | next bytes left by the previous command: up to Ne with 9000 when all are out, else 61xx. 6Cxx when an explicit Le requests more than the xx bytes left; 6985 when nothing is left. |
/// | ECHO | `80 10 00 00 Lc data [Le]` | the command data (up to 65535 bytes with extended Lc) |
/// | GENERATE | `80 12 P1 P2 [Le]` | N bytes with byte i = i mod 256; N = P1P2, or Ne when P1P2 = 0000. `80 12 00 00 00` gives 256 bytes (258 with SW), `80 12 00 00 00 00 00` gives 65536 bytes (65538 with SW). |
/// | DELAY | `80 14 P1 P2` | 9000 with `processingMilliseconds` = P1P2: a command that takes P1P2 milliseconds. |
///
/// SELECT P2: 00 returns the FCI (tag 6F), 04 the FCP (tag 62), 0C nothing; other values
/// give 6A86. The FCI and FCP contain tags 82 (descriptor: 38 DF, 01 transparent EF), 83
/// (file id), 80 (EF size), 84 (DF name) and 88 (SFI).
///
/// Errors common to all commands:
/// - 6D00: unknown INS.
/// - 6E00: CLA other than 00 and 80, except interindustry classes with command chaining
///   (6884), secure messaging (6882) or a logical channel other than 0 (6881).
/// - 6700: undecodable length fields; a data field on READ BINARY, GET CHALLENGE, GET
///   RESPONSE, GENERATE or DELAY; SELECT with a wrong Lc.
/// - 6A86: P1 or P2 outside the values above.
public struct VirtualCard: Hashable, Sendable {
    public let fileSystem = CardFileSystem()

    /// Index of the current DF in `fileSystem.files`.
    public internal(set) var currentDirectory = CardFileSystem.masterFile
    /// Index of the current EF, nil when a DF was selected last.
    public internal(set) var currentElementaryFile: Int?
    /// Response bytes that GET RESPONSE returns next.
    public internal(set) var pendingResponse: [UInt8] = []

    var challenges = ChallengeGenerator()

    public init() {}

    /// Resets the card as at power-up (MF selected, nothing pending, challenge sequence
    /// restarted) and returns the ATR.
    public mutating func reset() -> [UInt8] {
        self = VirtualCard()
        return CardATR.bytes
    }

    /// Processes one command APDU given as bytes.
    public mutating func process(_ apdu: [UInt8]) -> CardResponse {
        guard let command = CommandAPDU(bytes: apdu) else {
            pendingResponse = []
            return CardResponse(statusWord: .wrongLength)
        }
        return process(command)
    }

    /// Processes one decoded command APDU.
    public mutating func process(_ command: CommandAPDU) -> CardResponse {
        if let error = Self.classError(command.cla) {
            pendingResponse = []
            return CardResponse(statusWord: error)
        }

        let isGetResponse = command.cla == 0x00 && command.ins == 0xC0
        if !isGetResponse {
            pendingResponse = []
        }

        switch (command.cla, command.ins) {
        case (0x00, 0xA4): return select(command)
        case (0x00, 0xB0): return readBinary(command)
        case (0x00, 0x84): return getChallenge(command)
        case (0x00, 0xC0): return getResponse(command)
        case (0x80, 0x10): return echo(command)
        case (0x80, 0x12): return generate(command)
        case (0x80, 0x14): return delay(command)
        default: return CardResponse(statusWord: .instructionNotSupported)
        }
    }

    /// Returns the status word for an unsupported class byte, or nil for 00 and 80.
    static func classError(_ cla: UInt8) -> StatusWord? {
        if cla == 0x00 || cla == 0x80 { return nil }

        // Only the first interindustry range (000x xxxx) has the chaining, secure messaging
        // and channel bits that deserve their own status words.
        guard cla & 0xE0 == 0 else { return .classNotSupported }
        if cla & 0x10 != 0 { return .commandChainingNotSupported }
        if cla & 0x0C != 0 { return .secureMessagingNotSupported }
        return .logicalChannelNotSupported
    }

    /// Returns `data` as the response to `command`: the first Ne bytes with 9000, or with
    /// 61xx and the rest kept for GET RESPONSE when the data is longer than Ne.
    mutating func deliver(_ data: [UInt8], for command: CommandAPDU, processingMilliseconds: UInt32 = 0) -> CardResponse {
        let limit = command.effectiveExpectedLength
        guard data.count > limit else {
            return CardResponse(data: data, statusWord: .success, processingMilliseconds: processingMilliseconds)
        }

        pendingResponse = Array(data[limit...])
        return CardResponse(
            data: Array(data[..<limit]), statusWord: .bytesRemaining(pendingResponse.count),
            processingMilliseconds: processingMilliseconds)
    }
}
