#define _GNU_SOURCE
#include "CThreadStack.h"
#include <pthread.h>

size_t fleche_thread_stack_lowest_address(void) {
#if defined(__APPLE__)
    pthread_t self = pthread_self();
    return (size_t)pthread_get_stackaddr_np(self) - pthread_get_stacksize_np(self);
#elif defined(__linux__)
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return 0;
    void *address = NULL;
    size_t size = 0;
    int status = pthread_attr_getstack(&attributes, &address, &size);
    pthread_attr_destroy(&attributes);
    return status == 0 ? (size_t)address : 0;
#else
    return 0;
#endif
}
