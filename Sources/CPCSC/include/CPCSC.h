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

#endif /* CPCSC_H */
