extension VirtualCard {
    /// SELECT (INS A4): by file id, child DF, EF, parent, DF name or path.
    mutating func select(_ command: CommandAPDU) -> CardResponse {
        guard let answer = SelectAnswer(p2: command.p2) else {
            return CardResponse(statusWord: .incorrectP1P2)
        }
        let nextOccurrence = command.p2 & 0x03 == 0x02
        if nextOccurrence && command.p1 != 0x04 {
            return CardResponse(statusWord: .incorrectP1P2)
        }

        let target: Result<Int, SelectError>
        switch command.p1 {
        case 0x00: target = selectByFileID(command.data)
        case 0x01: target = selectChild(command.data, dedicated: true)
        case 0x02: target = selectChild(command.data, dedicated: false)
        case 0x03: target = selectParent(command.data)
        case 0x04: target = selectByName(command.data, nextOccurrence: nextOccurrence)
        case 0x08: target = selectByPath(command.data, from: CardFileSystem.masterFile)
        case 0x09: target = selectByPath(command.data, from: currentDirectory)
        default: return CardResponse(statusWord: .incorrectP1P2)
        }

        switch target {
        case .failure(let error):
            return CardResponse(statusWord: error.statusWord)
        case .success(let index):
            makeCurrent(index)
            return deliver(answer.encode(fileSystem.controlParameters(of: index)), for: command)
        }
    }

    /// The data SELECT returns, chosen by P2 bits 4–3.
    enum SelectAnswer {
        case controlInformation
        case controlParameters
        case none

        init?(p2: UInt8) {
            guard p2 & 0xF0 == 0, p2 & 0x03 == 0 || p2 & 0x03 == 0x02 else { return nil }
            switch p2 & 0x0C {
            case 0x00: self = .controlInformation
            case 0x04: self = .controlParameters
            case 0x0C: self = .none
            default: return nil
            }
        }

        func encode(_ parameters: [UInt8]) -> [UInt8] {
            switch self {
            case .controlInformation: [0x6F, UInt8(parameters.count)] + parameters
            case .controlParameters: [0x62, UInt8(parameters.count)] + parameters
            case .none: []
            }
        }
    }

    /// Reasons a SELECT selects no file.
    enum SelectError: Error {
        /// Lc does not fit the selection method.
        case wrongLength
        /// No file matches.
        case notFound

        var statusWord: StatusWord {
            switch self {
            case .wrongLength: .wrongLength
            case .notFound: .fileNotFound
            }
        }
    }

    mutating func makeCurrent(_ index: Int) {
        if fileSystem.files[index].isDedicated {
            currentDirectory = index
            currentElementaryFile = nil
        } else {
            currentDirectory = fileSystem.files[index].parent ?? CardFileSystem.masterFile
            currentElementaryFile = index
        }
    }

    private func selectByFileID(_ data: [UInt8]) -> Result<Int, SelectError> {
        if data.isEmpty { return .success(CardFileSystem.masterFile) }
        guard data.count == 2 else { return .failure(.wrongLength) }

        let fileID = UInt16(data[0]) << 8 | UInt16(data[1])
        if fileID == 0x3F00 { return .success(CardFileSystem.masterFile) }
        if let child = fileSystem.child(of: currentDirectory, fileID: fileID) { return .success(child) }
        if fileSystem.files[currentDirectory].fileID == fileID { return .success(currentDirectory) }

        if let parent = fileSystem.files[currentDirectory].parent {
            if fileSystem.files[parent].fileID == fileID { return .success(parent) }
            if let sibling = fileSystem.child(of: parent, fileID: fileID) { return .success(sibling) }
        }
        return .failure(.notFound)
    }

    private func selectChild(_ data: [UInt8], dedicated: Bool) -> Result<Int, SelectError> {
        guard data.count == 2 else { return .failure(.wrongLength) }

        let fileID = UInt16(data[0]) << 8 | UInt16(data[1])
        guard let child = fileSystem.child(of: currentDirectory, fileID: fileID),
            fileSystem.files[child].isDedicated == dedicated
        else { return .failure(.notFound) }
        return .success(child)
    }

    private func selectParent(_ data: [UInt8]) -> Result<Int, SelectError> {
        guard data.isEmpty else { return .failure(.wrongLength) }
        guard let parent = fileSystem.files[currentDirectory].parent else { return .failure(.notFound) }
        return .success(parent)
    }

    private func selectByName(_ name: [UInt8], nextOccurrence: Bool) -> Result<Int, SelectError> {
        guard (1...16).contains(name.count) else { return .failure(.wrongLength) }

        let after = nextOccurrence ? currentDirectory : nil
        guard let match = fileSystem.dedicatedFile(namePrefix: name, after: after) else {
            return .failure(.notFound)
        }
        return .success(match)
    }

    private func selectByPath(_ path: [UInt8], from start: Int) -> Result<Int, SelectError> {
        guard !path.isEmpty, path.count % 2 == 0 else { return .failure(.wrongLength) }

        var current = start
        for offset in stride(from: 0, to: path.count, by: 2) {
            guard fileSystem.files[current].isDedicated else { return .failure(.notFound) }
            let fileID = UInt16(path[offset]) << 8 | UInt16(path[offset + 1])
            guard let child = fileSystem.child(of: current, fileID: fileID) else { return .failure(.notFound) }
            current = child
        }
        return .success(current)
    }
}
