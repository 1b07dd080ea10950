/* Device copies of lib/rng.c: Philox4x32-10 and the uniform / normal
 * streams built on it, bit for bit the same functions of (seed, stream,
 * index) as pt_philox, pt_rng_uniform and pt_rng_normal, so that dropout
 * masks and initial weights computed on the GPU equal the CPU's. */
#ifndef PT_CUDA_RNG_CUH
#define PT_CUDA_RNG_CUH

#include <stdint.h>

/* The 4 words of Philox4x32-10 for counter (block, stream) under key seed. */
__device__ __forceinline__ void cu_philox(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4])
{
	uint32_t c0 = (uint32_t)block, c1 = (uint32_t)(block >> 32);
	uint32_t c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
	uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
#pragma unroll
	for (int r = 0; r < 10; r++) {
		uint64_t p0 = (uint64_t)0xD2511F53u * c0;
		uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
		uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
		uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
		uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
		c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
	out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* A Philox word as a uniform float in [0, 1) (24 random bits), exact. */
__device__ __forceinline__ float cu_word_uniform(uint32_t w)
{
	return (float)(w >> 8) * 0x1p-24f;
}

/* Element `index` of the uniform stream (seed, stream), as pt_rng_uniform. */
__device__ __forceinline__ float cu_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
	uint32_t w[4];
	cu_philox(seed, stream, index >> 2, w);
	return cu_word_uniform(w[index & 3]);
}

/* Element `index` of the standard normal stream, as pt_rng_normal:
 * Box-Muller in double on the first two words of block `index`. */
__device__ __forceinline__ float cu_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
	uint32_t w[4];
	cu_philox(seed, stream, index, w);
	double u1 = ((double)(w[0] >> 8) + 1.0) * 0x1p-24;   /* (0, 1] */
	double u2 = (double)(w[1] >> 8) * 0x1p-24;            /* [0, 1) */
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

#endif
