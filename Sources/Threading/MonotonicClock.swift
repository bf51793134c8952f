import Glibc

/// The monotonic clock, for deadlines that changes of the wall clock do not move.
public enum MonotonicClock {
    /// Nanoseconds since an unspecified start (the system's boot).
    public static var nanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Returns the time `milliseconds` from now in nanoseconds; a negative value counts as 0.
    public static func nanoseconds(afterMilliseconds milliseconds: Int) -> UInt64 {
        nanoseconds + UInt64(max(milliseconds, 0)) * 1_000_000
    }

    /// Milliseconds since the same start as `nanoseconds`.
    public static var milliseconds: Int64 {
        Int64(nanoseconds / 1_000_000)
    }

    /// Sleeps for `milliseconds`, resuming after signals until the time has passed.
    public static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
