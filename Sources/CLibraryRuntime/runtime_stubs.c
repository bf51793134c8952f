#include "CLibraryRuntime.h"

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
