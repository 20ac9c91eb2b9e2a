#ifndef FLECHE_CTHREADSTACK_H
#define FLECHE_CTHREADSTACK_H

#include <stddef.h>

/// The bounds of the calling thread's stack: its lowest address and its size in bytes.
/// Returns 0 and sets both to 0 when the platform does not say.
/// (pthread_getattr_np is a GNU extension that Swift's Glibc module does not import.)
int fleche_thread_stack_bounds(size_t *lowest, size_t *size);

/// An address in the caller's own frame on the thread's real stack. (The address of a Swift
/// local is not one: under AddressSanitizer, whose use-after-return detection is on by
/// default, locals live on a "fake stack" allocated from the heap.)
size_t fleche_caller_frame_address(void);

#endif
