#define _GNU_SOURCE
#include "CThreadStack.h"
#include <pthread.h>

int fleche_thread_stack_bounds(size_t *lowest, size_t *size) {
    *lowest = 0;
    *size = 0;
#if defined(__APPLE__)
    pthread_t self = pthread_self();
    *size = pthread_get_stacksize_np(self);
    *lowest = (size_t)pthread_get_stackaddr_np(self) - *size;
    return 1;
#elif defined(__linux__)
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return 0;
    void *address = NULL;
    size_t bytes = 0;
    int status = pthread_attr_getstack(&attributes, &address, &bytes);
    pthread_attr_destroy(&attributes);
    if (status != 0) return 0;
    *lowest = (size_t)address;
    *size = bytes;
    return 1;
#else
    return 0;
#endif
}

__attribute__((noinline)) size_t fleche_caller_frame_address(void) {
    return (size_t)__builtin_frame_address(0);
}
