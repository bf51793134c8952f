/*
 * Windows-style scalar and pointer types used by the PC/SC API.
 *
 * The definitions follow pcsc-lite's non-Apple branch, so on LP64 Linux
 * DWORD, ULONG and LONG are 8 bytes wide (they are 4 bytes on Windows).
 * Applications compiled against pcsc-lite 1.9.9 depend on these widths.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the types twice. */
#ifndef __wintypes_h__
#define __wintypes_h__

#ifdef __cplusplus
extern "C" {
#endif

/* Some programs define BYTE as a macro before including this header. */
#ifndef BYTE
typedef unsigned char BYTE;
#endif

typedef unsigned char UCHAR;
typedef UCHAR *PUCHAR;
typedef unsigned short USHORT;
typedef unsigned short WORD;
typedef short BOOL;

/* CoreFoundation's CFPluginCOM.h declares ULONG and LPVOID itself. */
#ifndef __COREFOUNDATION_CFPLUGINCOM__
typedef unsigned long ULONG;
typedef void *LPVOID;
#endif

typedef ULONG *PULONG;
typedef unsigned long DWORD;
typedef DWORD *PDWORD;
typedef DWORD *LPDWORD;
typedef long LONG;

typedef const void *LPCVOID;
typedef const BYTE *LPCBYTE;
typedef BYTE *LPBYTE;
typedef char *LPSTR;
typedef const char *LPCSTR;

/* Obsolete TCHAR names that older drivers and applications still use. */
typedef LPSTR LPTSTR;
typedef LPCSTR LPCTSTR;

#ifdef __cplusplus
}
#endif

#endif /* __wintypes_h__ */
