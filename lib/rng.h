/* rng: a counter-based generator (Philox4x32-10, the one cuRAND and torch's
 * CUDA generator use), so that any element of any random stream can be
 * computed independently from (seed, stream, index): dropout masks can be
 * regenerated in the backward pass instead of stored, and a GPU backend can
 * reproduce the CPU's masks and initial weights exactly. */
#ifndef PT_RNG_H
#define PT_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The 4 words of Philox4x32-10 for counter (block, stream) under key seed. */
void pt_philox(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]);

/* Element `index` of the uniform stream (seed, stream): a float in [0, 1)
 * with 24 random bits; elements 4k..4k+3 share one Philox block. */
float pt_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);

/* Element `index` of the standard normal stream (seed, stream): Box-Muller
 * on the first two words of block `index`. */
float pt_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

/* The splitmix64 output (Steele, Lea and Flood) for state x: x advanced by
 * the golden-ratio increment, then mixed. A stateless 64-bit hash; the
 * stateful draws below step a state the same way. */
uint64_t pt_mix64(uint64_t x);

/* A uniform integer in [0, bound) (bound >= 1) from splitmix64 draws on
 * *state, by rejection: no modulo bias. Advances *state one or more times. */
uint64_t pt_rng_below(uint64_t *state, uint64_t bound);

/* Shuffles the n elements of size bytes (at most 64) at base in place:
 * Fisher-Yates, i from n-1 down to 1 swapped with j = pt_rng_below(state,
 * i + 1), so every permutation is equally likely. Advances *state. */
void pt_shuffle(void *base, size_t n, size_t size, uint64_t *state);

/* 64-bit FNV-1a of a string: a stable stream id for a named tensor. */
uint64_t pt_hash_name(const char *s);

#endif
