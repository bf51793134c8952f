#ifndef CLIBRARYRUNTIME_H
#define CLIBRARYRUNTIME_H

/* Replacements for parts of the Swift runtime that a shared library loaded into C
   programs does not need; linked only into libpcsclite.so.1 and libifdvirtual.so. */

#include <stdbool.h>

char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen);
bool _swift_backtrace_isThunkFunction(const char *mangledName);

#endif
