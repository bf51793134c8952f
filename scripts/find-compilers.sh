# Sourced by the Embedded Swift build scripts: sets SWIFTC (unless the caller set it) and
# clang, the clang beside it, and exits with a message when the compiler is missing.
# $script_name names the calling script in that message.
if [ -z "${SWIFTC:-}" ]; then
    swift=$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
    SWIFTC=$(dirname "$(readlink -f "$swift")")/swiftc
fi
clang=$(dirname "$SWIFTC")/clang
if [ ! -x "$SWIFTC" ]; then
    echo "$script_name: Swift compiler $SWIFTC not found; set SWIFTC to swiftc's path" >&2
    exit 1
fi
