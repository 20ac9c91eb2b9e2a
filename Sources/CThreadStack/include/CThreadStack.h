#ifndef FLECHE_CTHREADSTACK_H
#define FLECHE_CTHREADSTACK_H

#include <stddef.h>

/// The lowest address of the calling thread's stack, or 0 when the platform does not say.
/// (pthread_getattr_np is a GNU extension that Swift's Glibc module does not import.)
size_t fleche_thread_stack_lowest_address(void);

#endif
