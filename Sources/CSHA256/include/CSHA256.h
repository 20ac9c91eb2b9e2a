#ifndef FLECHE_CSHA256_H
#define FLECHE_CSHA256_H

#include <stddef.h>
#include <stdint.h>

// SHA-256's compression function with the x86-64 SHA extensions, for one stream and for two
// streams interleaved on one core. `sha256rnds2` is bound by its latency, so the second
// stream's rounds fill the gaps of the first: two streams cost far less than two passes
// (Benchmarks/RESULTS.md). The padding and the buffering of partial blocks are the caller's
// (FlecheValue's `ValueAndChunkDigester`); swift-crypto hashes everything else.

/// Whether this CPU has the SHA extensions with SSSE3 and SSE4.1 (CPUID); 0 on other
/// architectures, where the functions below must not be called.
int fleche_sha256_accelerated(void);

/// Runs `blocks` 64-byte blocks of `data` through the state `state` (eight words, H0..H7).
void fleche_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// Runs `blocks` blocks of `first` through `first_state` and as many of `second` through
/// `second_state`, interleaved; the same as two calls of `fleche_sha256_blocks`.
void fleche_sha256_blocks_pair(uint32_t first_state[8], const uint8_t *first,
                               uint32_t second_state[8], const uint8_t *second, size_t blocks);

#endif
