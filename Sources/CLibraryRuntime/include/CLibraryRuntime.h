#ifndef CLIBRARYRUNTIME_H
#define CLIBRARYRUNTIME_H

/* Replacements for parts of the Swift runtime that a shared library loaded into C
   programs does not need; linked only into libpcsclite.so.1 and libifdvirtual.so. */

char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen);

#endif
