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
