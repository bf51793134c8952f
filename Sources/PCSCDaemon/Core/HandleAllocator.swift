import Threading

/// Hands out context and card handles: random positive 31-bit values, never 0, unique
/// among all live handles of the daemon, so no client can predict or reuse another's.
final class HandleAllocator: Sendable {
    private let live = Locked(Set<UInt32>())

    func allocate() -> UInt32 {
        live.withLock { live in
            while true {
                let candidate = UInt32.random(in: 1...0x7FFF_FFFF)
                if live.insert(candidate).inserted { return candidate }
            }
        }
    }

    func release(_ handle: UInt32) {
        live.withLock { _ = $0.remove(handle) }
    }
}
