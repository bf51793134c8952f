/// The deterministic source of GET CHALLENGE bytes: xorshift64* from a fixed seed.
///
/// The card re-seeds at every reset, so the n-th challenge after a power-up is always the
/// same. Nothing here is random or secret, and tests rely on the repetition.
struct ChallengeGenerator: Hashable, Sendable {
    /// The seed, "SWIFTPCS" in ASCII.
    static let seed: UInt64 = 0x5357_4946_5450_4353

    private var state = seed

    /// Returns the next 8 challenge bytes (one 64-bit output, big-endian).
    mutating func next() -> [UInt8] {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let output = state &* 0x2545_F491_4F6C_DD1D
        return (0..<8).map { UInt8(truncatingIfNeeded: output >> (56 - 8 * $0)) }
    }
}
