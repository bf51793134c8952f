// The part of Swift's Glibc overlay that the client library and the daemon use, for their
// Embedded Swift builds, which have no Glibc module of their own.
@_exported import CGlibc

/// The calling thread's `errno` (a macro in C, so not imported).
public var errno: Int32 {
    get { __errno_location().pointee }
    set { __errno_location().pointee = newValue }
}

/// `fcntl` with no argument, such as `F_GETFL`.
public func fcntl(_ fd: Int32, _ command: Int32) -> Int32 {
    cglibc_fcntl(fd, command)
}

/// `fcntl` with an integer argument, such as `F_SETFL`.
public func fcntl(_ fd: Int32, _ command: Int32, _ value: Int32) -> Int32 {
    cglibc_fcntl_int(fd, command, value)
}

/// `open` without a mode, for flags that create no file.
public func open(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    cglibc_open(path, flags, 0)
}

/// `open` with the mode of a file that `O_CREAT` may create.
public func open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    cglibc_open(path, flags, mode)
}

// The file type bits of `stat.st_mode`, typed as `mode_t` as in Swift's Glibc overlay. The
// C macros are imported as Int32, and these declarations shadow them.
public let S_IFMT = mode_t(CGlibc.S_IFMT)
public let S_IFDIR = mode_t(CGlibc.S_IFDIR)
public let S_IFSOCK = mode_t(CGlibc.S_IFSOCK)

/// The `signal` handler that ignores the signal (a cast of 1 in C, so not imported).
public var SIG_IGN: __sighandler_t {
    unsafeBitCast(1, to: __sighandler_t.self)
}
