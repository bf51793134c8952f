#include "CLibraryRuntime.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * The Swift standard library asks the runtime for argc/argv through this function (it
 * backs CommandLine.arguments). The runtime's own version comes with a static constructor
 * that scans /proc/self/stat with sscanf when the library is loaded: about 120 000
 * instructions (callgrind) in every program that links libpcsclite.so.1, which never
 * reads CommandLine.arguments. Defining the function here keeps that object file, and
 * its constructor, out of the link. CommandLine.arguments is empty in these libraries.
 */
char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen)
{
    static char *noArguments[] = {NULL};

    *outArgLen = 0;
    return noArguments;
}

/*
 * swiftrt.o, which every Swift image links, references this function so that the
 * swift-backtrace crash reporter can ask whether a symbol is a thunk. The runtime defines
 * it in Backtrace.cpp, whose static constructor runs when the library is loaded: it
 * looks for the swift-backtrace program next to the library (8 stat calls, 2 isatty
 * calls and about 12 500 instructions under callgrind). When it finds one, it installs
 * crash signal handlers in the host program unless SWIFT_BACKTRACE turns them off (they
 * are on by default on Linux). Defining the function here keeps Backtrace.cpp, and the
 * crash handler it pulls in, out of the link. A Swift runtime error in these libraries
 * then prints its message and stops the process without the backtracer. Should another
 * runtime file start to need Backtrace.cpp, the link fails with a duplicate symbol.
 */
bool _swift_backtrace_isThunkFunction(const char *mangledName)
{
    (void)mangledName;
    return false;
}

/*
 * The runtime's fatal-error path (swift_reportError in Errors.cpp) reads one field of the
 * backtracer's settings, whose definition also lives in Backtrace.cpp: it prints its own
 * backtrace unless the `enabled` field says the backtracer is on. All zeros mean off, the
 * value Backtrace.cpp sets itself when it finds no swift-backtrace program. 88 bytes is
 * the size of the runtime's BacktraceSettings in Swift 6.3 (nm -S of Backtrace.cpp.o).
 */
_Alignas(8) unsigned char _swift_backtraceSettings[88];
