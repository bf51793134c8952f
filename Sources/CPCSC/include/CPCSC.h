#include "../../../include/PCSC/winscard.h"
