/// The card's response to one command: response data, status word, and how long a real card
/// would have been busy computing it.
public struct CardResponse: Hashable, Sendable {
    public var data: [UInt8]
    public var statusWord: StatusWord
    /// Simulated processing time in milliseconds; 0 except for the DELAY test command.
    ///
    /// The card never sleeps itself. A reader presenting it decides how to spend the time
    /// (CCID time-extension frames, a T=1 S(WTX) request, or a plain sleep).
    public var processingMilliseconds: UInt32

    public init(data: [UInt8] = [], statusWord: StatusWord, processingMilliseconds: UInt32 = 0) {
        self.data = data
        self.statusWord = statusWord
        self.processingMilliseconds = processingMilliseconds
    }

    /// The response as it travels: data followed by SW1 SW2.
    public var bytes: [UInt8] { data + statusWord.bytes }
}
