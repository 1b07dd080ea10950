/* CPU backend: dropout, masks regenerated from Philox, never stored.
 *
 * Element i of a tensor dropped with (seed, stream) is kept, and scaled by
 * 1/(1-p), when word i%4 of Philox block i/4 satisfies (word >> 8) * 2^-24
 * >= p; the CUDA backend computes the same words. The words are computed
 * one block at a time (scalar), four (SSE2), eight (AVX2) or sixteen
 * (AVX-512; the last two chosen at run time) blocks at once; every path
 * gives the same bits, and tests/unit/test_cpu_ops.c checks each against
 * pt_philox. */
#include "backend/cpu/ops.h"
#include "rng.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define PT_X86 1
#include <immintrin.h>
#endif

/* Four mask elements per Philox block. */
static inline void mask4(uint64_t seed, uint64_t stream, size_t block, float p, float scale, float m[4])
{
	uint32_t w[4];
	pt_philox(seed, stream, block, w);
	for (int j = 0; j < 4; j++)
		m[j] = (float)(w[j] >> 8) * 0x1p-24f >= p ? scale : 0.0f;
}

/* elements [i, hi) one Philox block at a time; i need not be aligned */
static void span_scalar(float *out, const float *inp, const float *resid, size_t i, size_t hi,
			float p, float scale, uint64_t seed, uint64_t stream)
{
	while (i < hi) {
		size_t blk = i / 4, end = blk * 4 + 4 < hi ? blk * 4 + 4 : hi;
		float m[4];
		mask4(seed, stream, blk, p, scale, m);
		for (; i < end; i++)
			out[i] = inp[i] * m[i - blk * 4] + (resid ? resid[i] : 0.0f);
	}
}

#ifdef PT_X86
/* hi and lo 32 bits of the 4 lane products a[i] * k */
static inline void mul_hilo(__m128i a, __m128i k, __m128i *hi, __m128i *lo)
{
	__m128i p02 = _mm_mul_epu32(a, k);                          /* lanes 0, 2 as 64-bit */
	__m128i p13 = _mm_mul_epu32(_mm_srli_epi64(a, 32), k);      /* lanes 1, 3 */
	__m128i l = _mm_shuffle_epi32(p02, _MM_SHUFFLE(2, 2, 0, 0)), l2 = _mm_shuffle_epi32(p13, _MM_SHUFFLE(2, 2, 0, 0));
	*lo = _mm_unpacklo_epi64(_mm_unpacklo_epi32(l, l2), _mm_unpackhi_epi32(l, l2));
	__m128i h = _mm_shuffle_epi32(p02, _MM_SHUFFLE(3, 3, 1, 1)), h2 = _mm_shuffle_epi32(p13, _MM_SHUFFLE(3, 3, 1, 1));
	*hi = _mm_unpacklo_epi64(_mm_unpacklo_epi32(h, h2), _mm_unpackhi_epi32(h, h2));
}

/* Ten Philox4x32 rounds on vectors of counters (c0, c1, c2, c3: lane =
 * block) under key seed: in every lane the words pt_philox gives. VI is the
 * vector type, MULHILO(a, k, &hi, &lo) the 32x32 -> 64-bit lane products,
 * XOR and SET1 the width's intrinsics; the same rounds for every width. */
#define PHILOX_ROUNDS(VI, MULHILO, XOR, SET1, c0, c1, c2, c3, seed)                   \
	do {                                                                      \
		uint32_t k0_ = (uint32_t)(seed), k1_ = (uint32_t)((seed) >> 32);   \
		const VI m0_ = SET1((int)0xD2511F53u), m1_ = SET1((int)0xCD9E8D57u); \
		for (int r_ = 0; r_ < 10; r_++) {                                 \
			VI hi0_, lo0_, hi1_, lo1_;                                \
			MULHILO(c0, m0_, &hi0_, &lo0_);                           \
			MULHILO(c2, m1_, &hi1_, &lo1_);                           \
			VI n0_ = XOR(XOR(hi1_, c1), SET1((int)k0_));              \
			VI n2_ = XOR(XOR(hi0_, c3), SET1((int)k1_));              \
			c0 = n0_;                                                 \
			c1 = lo1_;                                                \
			c2 = n2_;                                                 \
			c3 = lo0_;                                                \
			k0_ += 0x9E3779B9u;                                       \
			k1_ += 0xBB67AE85u;                                       \
		}                                                                 \
	} while (0)

/* Masks of the 16 elements of Philox blocks blk..blk+3 (pt_philox's words
 * for four counters at once, lane = block). */
static inline void mask16(uint64_t seed, uint64_t stream, size_t blk, float p, float scale, __m128 m[4])
{
	__m128i c0 = _mm_set_epi32((int)(uint32_t)(blk + 3), (int)(uint32_t)(blk + 2), (int)(uint32_t)(blk + 1), (int)(uint32_t)blk);
	__m128i c1 = _mm_set_epi32((int)(uint32_t)((blk + 3) >> 32), (int)(uint32_t)((blk + 2) >> 32),
				   (int)(uint32_t)((blk + 1) >> 32), (int)(uint32_t)(blk >> 32));
	__m128i c2 = _mm_set1_epi32((int)(uint32_t)stream), c3 = _mm_set1_epi32((int)(uint32_t)(stream >> 32));
	PHILOX_ROUNDS(__m128i, mul_hilo, _mm_xor_si128, _mm_set1_epi32, c0, c1, c2, c3, seed);
	/* words -> floats, then transpose so that m[j] holds block blk+j's 4 elements */
	const __m128 vp = _mm_set1_ps(p), vs = _mm_set1_ps(scale), u = _mm_set1_ps(0x1p-24f);
	__m128 w[4];
	__m128i c[4] = { c0, c1, c2, c3 };
	for (int j = 0; j < 4; j++) {
		__m128 f = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srli_epi32(c[j], 8)), u);
		w[j] = _mm_and_ps(_mm_cmpge_ps(f, vp), vs);
	}
	_MM_TRANSPOSE4_PS(w[0], w[1], w[2], w[3]);
	for (int j = 0; j < 4; j++)
		m[j] = w[j];
}

/* elements [i, hi), i a multiple of 16; returns where it stopped */
static size_t span_sse2(float *out, const float *inp, const float *resid, size_t i, size_t hi,
			float p, float scale, uint64_t seed, uint64_t stream)
{
	const __m128 zero = _mm_setzero_ps();
	for (; i + 16 <= hi; i += 16) {
		__m128 m[4];
		mask16(seed, stream, i / 4, p, scale, m);
		for (int j = 0; j < 4; j++) {
			__m128 r = resid ? _mm_loadu_ps(resid + i + 4 * j) : zero;
			_mm_storeu_ps(out + i + 4 * j, _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(inp + i + 4 * j), m[j]), r));
		}
	}
	return i;
}

#define AVX2 __attribute__((target("avx2")))

/* hi and lo 32 bits of the 8 lane products a[i] * k */
static inline AVX2 void mul_hilo8(__m256i a, __m256i k, __m256i *hi, __m256i *lo)
{
	__m256i p02 = _mm256_mul_epu32(a, k);                        /* even lanes as 64-bit */
	__m256i p13 = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), k); /* odd lanes */
	*lo = _mm256_blend_epi32(p02, _mm256_slli_epi64(p13, 32), 0xAA);
	*hi = _mm256_blend_epi32(_mm256_srli_epi64(p02, 32), p13, 0xAA);
}

/* Masks of the 32 elements of Philox blocks blk..blk+7, in element order. */
static inline AVX2 void mask32(uint64_t seed, uint64_t stream, size_t blk, float p, float scale, __m256 m[4])
{
	__m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	/* counters blk+j: low words, and high words (blk+j may carry past 2^32) */
	__m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)blk), lanes);
	__m256i c1 = _mm256_setr_epi32((int)(uint32_t)(blk >> 32), (int)(uint32_t)((blk + 1) >> 32),
				       (int)(uint32_t)((blk + 2) >> 32), (int)(uint32_t)((blk + 3) >> 32),
				       (int)(uint32_t)((blk + 4) >> 32), (int)(uint32_t)((blk + 5) >> 32),
				       (int)(uint32_t)((blk + 6) >> 32), (int)(uint32_t)((blk + 7) >> 32));
	__m256i c2 = _mm256_set1_epi32((int)(uint32_t)stream), c3 = _mm256_set1_epi32((int)(uint32_t)(stream >> 32));
	PHILOX_ROUNDS(__m256i, mul_hilo8, _mm256_xor_si256, _mm256_set1_epi32, c0, c1, c2, c3, seed);
	const __m256 vp = _mm256_set1_ps(p), vs = _mm256_set1_ps(scale), u = _mm256_set1_ps(0x1p-24f);
	__m256 w[4];
	__m256i c[4] = { c0, c1, c2, c3 };
	for (int j = 0; j < 4; j++) {
		__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(c[j], 8)), u);
		w[j] = _mm256_and_ps(_mm256_cmp_ps(f, vp, _CMP_GE_OQ), vs);
	}
	/* w[j] lane b = word j of block b; 4x4 transposes within each 128-bit
	 * half give block b | block b+4, then the halves are regrouped */
	__m256 t0 = _mm256_unpacklo_ps(w[0], w[1]), t1 = _mm256_unpackhi_ps(w[0], w[1]);
	__m256 t2 = _mm256_unpacklo_ps(w[2], w[3]), t3 = _mm256_unpackhi_ps(w[2], w[3]);
	__m256 b04 = _mm256_shuffle_ps(t0, t2, 0x44), b15 = _mm256_shuffle_ps(t0, t2, 0xEE);
	__m256 b26 = _mm256_shuffle_ps(t1, t3, 0x44), b37 = _mm256_shuffle_ps(t1, t3, 0xEE);
	m[0] = _mm256_permute2f128_ps(b04, b15, 0x20);   /* blocks 0, 1 */
	m[1] = _mm256_permute2f128_ps(b26, b37, 0x20);   /* blocks 2, 3 */
	m[2] = _mm256_permute2f128_ps(b04, b15, 0x31);   /* blocks 4, 5 */
	m[3] = _mm256_permute2f128_ps(b26, b37, 0x31);   /* blocks 6, 7 */
}

/* elements [i, hi), i a multiple of 32; returns where it stopped */
static AVX2 size_t span_avx2(float *out, const float *inp, const float *resid, size_t i, size_t hi,
			     float p, float scale, uint64_t seed, uint64_t stream)
{
	const __m256 zero = _mm256_setzero_ps();
	for (; i + 32 <= hi; i += 32) {
		__m256 m[4];
		mask32(seed, stream, i / 4, p, scale, m);
		for (int j = 0; j < 4; j++) {
			__m256 r = resid ? _mm256_loadu_ps(resid + i + 8 * j) : zero;
			_mm256_storeu_ps(out + i + 8 * j,
					 _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(inp + i + 8 * j), m[j]), r));
		}
	}
	return i;
}

#define AVX512 __attribute__((target("avx512f")))

/* hi and lo 32 bits of the 16 lane products a[i] * k */
static inline AVX512 void mul_hilo16(__m512i a, __m512i k, __m512i *hi, __m512i *lo)
{
	__m512i p02 = _mm512_mul_epu32(a, k);                        /* even lanes as 64-bit */
	__m512i p13 = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), k); /* odd lanes */
	*lo = _mm512_mask_blend_epi32(0xAAAA, p02, _mm512_slli_epi64(p13, 32));
	*hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(p02, 32), p13);
}

/* Masks of the 64 elements of Philox blocks blk..blk+15, in element order. */
static inline AVX512 void mask64(uint64_t seed, uint64_t stream, size_t blk, float p, float scale, __m512 m[4])
{
	uint32_t lo[16], hi[16];   /* counters blk+j: low and high words (blk+j may carry past 2^32) */
	for (int j = 0; j < 16; j++) {
		lo[j] = (uint32_t)(blk + (size_t)j);
		hi[j] = (uint32_t)((uint64_t)(blk + (size_t)j) >> 32);
	}
	__m512i c0 = _mm512_loadu_si512(lo), c1 = _mm512_loadu_si512(hi);
	__m512i c2 = _mm512_set1_epi32((int)(uint32_t)stream), c3 = _mm512_set1_epi32((int)(uint32_t)(stream >> 32));
	PHILOX_ROUNDS(__m512i, mul_hilo16, _mm512_xor_si512, _mm512_set1_epi32, c0, c1, c2, c3, seed);
	const __m512 vp = _mm512_set1_ps(p), vs = _mm512_set1_ps(scale), u = _mm512_set1_ps(0x1p-24f);
	__m512 w[4];
	__m512i c[4] = { c0, c1, c2, c3 };
	for (int j = 0; j < 4; j++) {
		__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(c[j], 8)), u);
		w[j] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(f, vp, _CMP_GE_OQ), vs);
	}
	/* w[j] lane b = word j of block b. 4x4 transposes within each 128-bit
	 * chunk give t[k] chunk q = block 4q+k; then a 4x4 transpose of the
	 * chunks gives m[q] = blocks 4q..4q+3, in element order */
	__m512 a0 = _mm512_unpacklo_ps(w[0], w[1]), a1 = _mm512_unpackhi_ps(w[0], w[1]);
	__m512 a2 = _mm512_unpacklo_ps(w[2], w[3]), a3 = _mm512_unpackhi_ps(w[2], w[3]);
	__m512 t0 = _mm512_shuffle_ps(a0, a2, 0x44), t1 = _mm512_shuffle_ps(a0, a2, 0xEE);
	__m512 t2 = _mm512_shuffle_ps(a1, a3, 0x44), t3 = _mm512_shuffle_ps(a1, a3, 0xEE);
	__m512 u0 = _mm512_shuffle_f32x4(t0, t1, 0x44), u1 = _mm512_shuffle_f32x4(t0, t1, 0xEE);
	__m512 u2 = _mm512_shuffle_f32x4(t2, t3, 0x44), u3 = _mm512_shuffle_f32x4(t2, t3, 0xEE);
	m[0] = _mm512_shuffle_f32x4(u0, u2, 0x88);   /* blocks 0-3 */
	m[1] = _mm512_shuffle_f32x4(u0, u2, 0xDD);   /* blocks 4-7 */
	m[2] = _mm512_shuffle_f32x4(u1, u3, 0x88);   /* blocks 8-11 */
	m[3] = _mm512_shuffle_f32x4(u1, u3, 0xDD);   /* blocks 12-15 */
}

/* elements [i, hi), i a multiple of 64; returns where it stopped */
static AVX512 size_t span_avx512(float *out, const float *inp, const float *resid, size_t i, size_t hi,
				 float p, float scale, uint64_t seed, uint64_t stream)
{
	const __m512 zero = _mm512_setzero_ps();
	for (; i + 64 <= hi; i += 64) {
		__m512 m[4];
		mask64(seed, stream, i / 4, p, scale, m);
		for (int j = 0; j < 4; j++) {
			__m512 r = resid ? _mm512_loadu_ps(resid + i + 16 * j) : zero;
			_mm512_storeu_ps(out + i + 16 * j,
					 _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(inp + i + 16 * j), m[j]), r));
		}
	}
	return i;
}
#endif

pt_cpu_isa cpu_best_isa(void)
{
#ifdef PT_X86
	return __builtin_cpu_supports("avx512f") ? PT_ISA_AVX512
	       : __builtin_cpu_supports("avx2")  ? PT_ISA_AVX2
						  : PT_ISA_SSE2;
#else
	return PT_ISA_SCALAR;
#endif
}

void cpu_dropout_span(float *out, const float *inp, const float *resid, size_t lo, size_t hi,
		      float p, uint64_t seed, uint64_t stream, int isa)
{
	float scale = 1.0f / (1.0f - p);
	size_t width = isa >= PT_ISA_AVX512 ? 64 : isa == PT_ISA_AVX2 ? 32 : isa == PT_ISA_SSE2 ? 16 : 0;
	size_t i = lo;
#ifdef PT_X86
	if (width) {
		size_t a = (lo + width - 1) / width * width;
		a = a < hi ? a : hi;
		span_scalar(out, inp, resid, lo, a, p, scale, seed, stream);
		i = width == 64   ? span_avx512(out, inp, resid, a, hi, p, scale, seed, stream)
		    : width == 32 ? span_avx2(out, inp, resid, a, hi, p, scale, seed, stream)
				  : span_sse2(out, inp, resid, a, hi, p, scale, seed, stream);
	}
#else
	(void)width;
#endif
	span_scalar(out, inp, resid, i, hi, p, scale, seed, stream);
}

enum { DROP_CHUNK = 4096 };

void cpu_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
			 float p, uint64_t seed, uint64_t stream)
{
	if (p <= 0) {
		#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++)
			out[i] = inp[i] + (resid ? resid[i] : 0.0f);
		return;
	}
	int isa = cpu_best_isa();
	size_t nc = (n + DROP_CHUNK - 1) / DROP_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++)
		cpu_dropout_span(out, inp, resid, c * DROP_CHUNK, c * DROP_CHUNK + DROP_CHUNK < n ? c * DROP_CHUNK + DROP_CHUNK : n,
				 p, seed, stream, isa);
}

void cpu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream)
{
	if (p <= 0) {
		if (dinp != dout)
			for (size_t i = 0; i < n; i++)
				dinp[i] = dout[i];
		return;
	}
	cpu_dropout_forward(dinp, dout, NULL, n, p, seed, stream);
}

void cpu_dropout_range(float *out, const float *inp, size_t lo, size_t hi, float p, uint64_t seed, uint64_t stream)
{
	cpu_dropout_span(out, inp, NULL, lo, hi, p, seed, stream, cpu_best_isa());
}
