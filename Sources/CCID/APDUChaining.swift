/// Splitting of commands for extended-APDU readers (`wLevelParameter` chaining).
public enum APDUChaining {
    /// Returns the largest chunk one XfrBlock carries: 65 546 bytes, or less when
    /// `dwMaxCCIDMessageLength` is smaller.
    public static func chunkSize(maxCommandDataLength: Int) -> Int {
        max(1, min(CCIDMessageHeader.maxPayloadLength, maxCommandDataLength))
    }

    /// Splits a command into XfrBlocks: one block with `.complete` when it fits, else `.begins`,
    /// any number of `.continues` and a final `.ends`.
    public static func commandBlocks(_ apdu: [UInt8], chunkSize: Int) -> [(ChainParameter, [UInt8])] {
        guard apdu.count > chunkSize else { return [(.complete, apdu)] }

        var blocks: [(ChainParameter, [UInt8])] = []
        var start = 0
        while start < apdu.count {
            let end = min(start + chunkSize, apdu.count)
            let parameter: ChainParameter
            if start == 0 {
                parameter = .begins
            } else if end == apdu.count {
                parameter = .ends
            } else {
                parameter = .continues
            }
            blocks.append((parameter, Array(apdu[start..<end])))
            start = end
        }
        return blocks
    }
}
