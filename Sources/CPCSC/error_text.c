/*
 * The buffer behind pcsc_stringify_error(): one per thread, as in pcsc-lite. It is
 * thread-local storage, not a pthread key, so it uses up no key and needs no destructor.
 * A destructor in a library that the program unloads with dlclose would later be called
 * at an unmapped address when the thread exits.
 */

#include "CPCSC.h"

char *cpcsc_thread_error_text(void)
{
    static __thread char text[CPCSC_ERROR_TEXT_CAPACITY];

    return text;
}
