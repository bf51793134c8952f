extension VirtualCard {
    /// READ BINARY (INS B0) from the current EF, or from an EF chosen by SFI.
    mutating func readBinary(_ command: CommandAPDU) -> CardResponse {
        guard command.data.isEmpty else { return CardResponse(statusWord: .wrongLength) }

        let file: Int
        let offset: Int
        if command.p1 & 0x80 != 0 {
            guard command.p1 & 0x60 == 0 else { return CardResponse(statusWord: .incorrectP1P2) }
            guard let byIdentifier = fileSystem.child(of: currentDirectory, shortIdentifier: command.p1 & 0x1F) else {
                return CardResponse(statusWord: .fileNotFound)
            }
            makeCurrent(byIdentifier)
            file = byIdentifier
            offset = Int(command.p2)
        } else {
            guard let current = currentElementaryFile else { return CardResponse(statusWord: .noCurrentEF) }
            file = current
            offset = Int(command.p1p2)
        }

        guard case .transparent(let contents, _) = fileSystem.files[file].kind else {
            return CardResponse(statusWord: .noCurrentEF)
        }
        guard offset < contents.count else { return CardResponse(statusWord: .offsetOutsideEF) }

        let expected = command.effectiveExpectedLength
        let end = min(contents.count, offset + expected)
        let data = Array(contents[offset..<end])
        let shortRead = data.count < expected && !command.asksForMaximum
        return CardResponse(data: data, statusWord: shortRead ? .endOfFileReached : .success)
    }

    /// GET CHALLENGE (INS 84): 8 deterministic bytes.
    mutating func getChallenge(_ command: CommandAPDU) -> CardResponse {
        guard command.data.isEmpty else { return CardResponse(statusWord: .wrongLength) }
        guard command.p1p2 == 0 else { return CardResponse(statusWord: .incorrectP1P2) }
        guard command.asksForMaximum || command.expectedLength == 8 else {
            return CardResponse(statusWord: .wrongLe(exact: 8))
        }
        return CardResponse(data: challenges.next(), statusWord: .success)
    }

    /// GET RESPONSE (INS C0): the bytes a previous command left pending.
    mutating func getResponse(_ command: CommandAPDU) -> CardResponse {
        guard command.data.isEmpty else { return CardResponse(statusWord: .wrongLength) }
        guard command.p1p2 == 0 else { return CardResponse(statusWord: .incorrectP1P2) }
        guard !pendingResponse.isEmpty else { return CardResponse(statusWord: .conditionsNotSatisfied) }

        let expected = command.effectiveExpectedLength
        if expected > pendingResponse.count && !command.asksForMaximum {
            return CardResponse(statusWord: .wrongLe(exact: pendingResponse.count))
        }

        let count = min(expected, pendingResponse.count)
        let data = Array(pendingResponse[..<count])
        pendingResponse.removeFirst(count)
        let status: StatusWord = pendingResponse.isEmpty ? .success : .bytesRemaining(pendingResponse.count)
        return CardResponse(data: data, statusWord: status)
    }

    /// ECHO (CLA 80, INS 10): returns the command data.
    mutating func echo(_ command: CommandAPDU) -> CardResponse {
        guard command.p1p2 == 0 else { return CardResponse(statusWord: .incorrectP1P2) }
        return deliver(command.data, for: command)
    }

    /// GENERATE (CLA 80, INS 12): N counting bytes, N from P1P2 or from Ne.
    mutating func generate(_ command: CommandAPDU) -> CardResponse {
        guard command.data.isEmpty else { return CardResponse(statusWord: .wrongLength) }

        let count = command.p1p2 == 0 ? command.effectiveExpectedLength : Int(command.p1p2)
        let data = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
        return deliver(data, for: command)
    }

    /// DELAY (CLA 80, INS 14): success after P1P2 simulated milliseconds.
    mutating func delay(_ command: CommandAPDU) -> CardResponse {
        guard command.data.isEmpty else { return CardResponse(statusWord: .wrongLength) }
        return CardResponse(statusWord: .success, processingMilliseconds: UInt32(command.p1p2))
    }
}
