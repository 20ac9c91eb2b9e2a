#include <xxhash.h>
#if defined(__x86_64__)
/* Debian's x86-64 build exports runtime-dispatched (AVX2/SSE2) entry points. */
#include <xxh_x86dispatch.h>
#endif
