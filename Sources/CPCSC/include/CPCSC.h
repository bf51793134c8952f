/*
 * Umbrella header of the CPCSC module: the public pcsc-lite headers of this
 * repository (include/PCSC), so that Swift code gets the same types and
 * constants as C applications and reader drivers.
 */

#ifndef CPCSC_H
#define CPCSC_H

#include "../../../include/PCSC/winscard.h"
#include "../../../include/PCSC/reader.h"
#include "../../../include/PCSC/ifdhandler.h"

/* The size of pcsc_stringify_error()'s buffer, as in pcsc-lite. */
#define CPCSC_ERROR_TEXT_CAPACITY 75

/* Returns the calling thread's buffer for pcsc_stringify_error() (error_text.c). */
char *cpcsc_thread_error_text(void);

#endif /* CPCSC_H */
