/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"). */
#include "rng.h"

#include <math.h>
#include <string.h>

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
	uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
	uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
	uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
	uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
	uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
	c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
}

void pt_philox(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4])
{
	uint32_t c[4] = { (uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32) };
	uint32_t k[2] = { (uint32_t)seed, (uint32_t)(seed >> 32) };
	for (int r = 0; r < 10; r++) {
		philox_round(c, k);
		k[0] += 0x9E3779B9u;
		k[1] += 0xBB67AE85u;
	}
	out[0] = c[0]; out[1] = c[1]; out[2] = c[2]; out[3] = c[3];
}

float pt_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
	uint32_t w[4];
	pt_philox(seed, stream, index >> 2, w);
	return (float)(w[index & 3] >> 8) * 0x1p-24f;
}

float pt_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
	uint32_t w[4];
	pt_philox(seed, stream, index, w);
	double u1 = ((double)(w[0] >> 8) + 1.0) * 0x1p-24;   /* (0, 1] */
	double u2 = (double)(w[1] >> 8) * 0x1p-24;            /* [0, 1) */
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* splitmix64: advances *state by the golden-ratio increment and returns the
 * mix of the new state. */
static uint64_t pt_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t pt_mix64(uint64_t x)
{
	return pt_splitmix64(&x);
}

uint64_t pt_rng_below(uint64_t *state, uint64_t bound)
{
	uint64_t threshold = (0 - bound) % bound;
	for (;;) {
		uint64_t r = pt_splitmix64(state);
		if (r >= threshold)
			return r % bound;
	}
}

void pt_shuffle(void *base, size_t n, size_t size, uint64_t *state)
{
	char tmp[64], *a = base;
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)pt_rng_below(state, (uint64_t)i + 1);
		memcpy(tmp, a + i * size, size);
		memcpy(a + i * size, a + j * size, size);
		memcpy(a + j * size, tmp, size);
	}
}

uint64_t pt_hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}
