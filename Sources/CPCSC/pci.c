/*
 * The three protocol control information objects that libpcsclite.so.1
 * exports as read-only data. Applications reach them through SCARD_PCI_T0,
 * SCARD_PCI_T1 and SCARD_PCI_RAW and pass them to SCardTransmit(). An
 * executable may hold its own copy of each object (a copy relocation made
 * at load time), so their size and contents are part of the ABI.
 */

#include "pcsclite.h"

/*
 * The objects get a section of their own, so that nm lists them as R (read-only), as in
 * Debian's library, whatever else the link brings. A library linked with the static
 * Swift runtime (as the IFD handler is) gets writable .rodata input sections from it,
 * and the linker then makes the whole output .rodata writable.
 */
#define PCSC_EXPORTED_DATA \
    __attribute__((visibility("default"), section(".pcsc_pci")))

PCSC_EXPORTED_DATA const SCARD_IO_REQUEST g_rgSCardT0Pci = {
    SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST)
};

PCSC_EXPORTED_DATA const SCARD_IO_REQUEST g_rgSCardT1Pci = {
    SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)
};

PCSC_EXPORTED_DATA const SCARD_IO_REQUEST g_rgSCardRawPci = {
    SCARD_PROTOCOL_RAW, sizeof(SCARD_IO_REQUEST)
};
