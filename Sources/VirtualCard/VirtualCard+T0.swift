extension VirtualCard {
    /// Processes one T=0 command TPDU (`CLA INS P1 P2 P3 [data]`) the way a T=0 card answers
    /// it (ISO 7816-3 §12.2), for TPDU-level T=0 readers and IFD handlers in T=0.
    ///
    /// - Outgoing commands (READ BINARY, GET CHALLENGE, GET RESPONSE, GENERATE) are case 2
    ///   with Ne = P3 (00 = 256). When the card has a different number of bytes `n`, it
    ///   answers 6Cnn and forgets the command, so the resent command starts from the same state.
    /// - All other commands are case 1 or 3: P3 is Lc (00 = no data). Response data is never
    ///   sent directly; the card answers 61xx and keeps the data for GET RESPONSE (case 4).
    /// - A TPDU one byte longer than 5 + P3 is a case 4 APDU with its Le still attached;
    ///   the Le byte is ignored, as most TPDU readers do.
    ///
    /// A 4-byte TPDU counts as P3 = 00. Lengths that fit none of these, and P3 = 00 with data,
    /// give 6700; INS 6X and 9X (invalid in T=0) give 6D00.
    ///
    /// NOTE: a warning status (62xx, 63xx) that comes with case 4 data is replaced by 61xx, and
    /// the warning is lost.
    public mutating func processT0(_ tpdu: [UInt8]) -> CardResponse {
        guard tpdu.count >= 4 else { return CardResponse(statusWord: .wrongLength) }

        let (cla, ins, p1, p2) = (tpdu[0], tpdu[1], tpdu[2], tpdu[3])
        let p3 = tpdu.count > 4 ? Int(tpdu[4]) : 0
        if ins & 0xF0 == 0x60 || ins & 0xF0 == 0x90 {
            return CardResponse(statusWord: .instructionNotSupported)
        }

        if tpdu.count <= 5 && Self.isOutgoing(cla: cla, ins: ins) {
            let command = CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, expectedLength: p3 == 0 ? 256 : p3)
            return processOutgoingT0(command)
        }

        let hasData = tpdu.count > 5
        let lengthMatches = hasData ? p3 > 0 && (tpdu.count == 5 + p3 || tpdu.count == 6 + p3) : p3 == 0
        guard lengthMatches else { return CardResponse(statusWord: .wrongLength) }

        let data = hasData ? Array(tpdu[5..<(5 + p3)]) : []
        return processIncomingT0(CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data))
    }

    /// True for the commands whose data flows from the card to the reader (T=0 case 2).
    static func isOutgoing(cla: UInt8, ins: UInt8) -> Bool {
        switch (cla, ins) {
        case (0x00, 0xB0), (0x00, 0x84), (0x00, 0xC0), (0x80, 0x12): true
        default: false
        }
    }

    private mutating func processOutgoingT0(_ command: CommandAPDU) -> CardResponse {
        let before = self
        let response = process(command)
        if response.data.isEmpty || response.data.count == command.expectedLength {
            return response
        }

        // Wrong P3: a T=0 card refuses before executing, so undo the command's effects.
        self = before
        return CardResponse(statusWord: .wrongLe(exact: response.data.count))
    }

    private mutating func processIncomingT0(_ command: CommandAPDU) -> CardResponse {
        let response = process(command)
        if response.data.isEmpty { return response }

        pendingResponse = response.data + pendingResponse
        return CardResponse(
            statusWord: .bytesRemaining(pendingResponse.count),
            processingMilliseconds: response.processingMilliseconds)
    }
}
