#include "CSHA256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

int fleche_sha256_accelerated(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

// The state as the instructions want it: ABEF and CDGH (from H0..H3, H4..H7).
SHA_TARGET static inline void load_state(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);
    *abef = _mm_alignr_epi8(dcba, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, dcba, 0xF0);
}

SHA_TARGET static inline void store_state(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

// Message words 4i..4i+3 from the four groups before them (W[t] = σ1(W[t-2]) + W[t-7] +
// σ0(W[t-15]) + W[t-16]); the first four groups are the block's words, big-endian.
#define SCHEDULE(W, i, block, mask)                                                               \
    ((i) < 4 ? _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((block) + 16 * (i))), (mask))   \
             : _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(W[((i) - 4) & 3], W[((i) - 3) & 3]), \
                                                  _mm_alignr_epi8(W[((i) - 1) & 3], W[((i) - 2) & 3], 4)),   \
                                    W[((i) - 1) & 3]))

SHA_TARGET void fleche_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef, cdgh;
    load_state(state, &abef, &cdgh);
    for (; blocks > 0; blocks--, data += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, W[4];
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) {
            W[i & 3] = SCHEDULE(W, i, data, mask);
            __m128i wk = _mm_add_epi32(W[i & 3], _mm_loadu_si128((const __m128i *)&round_constants[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    store_state(state, abef, cdgh);
}

SHA_TARGET void fleche_sha256_blocks_pair(uint32_t first_state[8], const uint8_t *first,
                                          uint32_t second_state[8], const uint8_t *second, size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef, cdgh, abef2, cdgh2;
    load_state(first_state, &abef, &cdgh);
    load_state(second_state, &abef2, &cdgh2);
    for (; blocks > 0; blocks--, first += 64, second += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, abef20 = abef2, cdgh20 = cdgh2, W[4], X[4];
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) {
            W[i & 3] = SCHEDULE(W, i, first, mask);
            X[i & 3] = SCHEDULE(X, i, second, mask);
            __m128i k = _mm_loadu_si128((const __m128i *)&round_constants[4 * i]);
            __m128i wk = _mm_add_epi32(W[i & 3], k), xk = _mm_add_epi32(X[i & 3], k);
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            cdgh2 = _mm_sha256rnds2_epu32(cdgh2, abef2, xk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
            abef2 = _mm_sha256rnds2_epu32(abef2, cdgh2, _mm_shuffle_epi32(xk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
        abef2 = _mm_add_epi32(abef2, abef20);
        cdgh2 = _mm_add_epi32(cdgh2, cdgh20);
    }
    store_state(first_state, abef, cdgh);
    store_state(second_state, abef2, cdgh2);
}

#else

int fleche_sha256_accelerated(void) { return 0; }
void fleche_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}
void fleche_sha256_blocks_pair(uint32_t first_state[8], const uint8_t *first,
                               uint32_t second_state[8], const uint8_t *second, size_t blocks) {
    (void)first_state; (void)first; (void)second_state; (void)second; (void)blocks;
}

#endif
