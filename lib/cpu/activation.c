/* CPU backend: exact GELU and dropout (masks regenerated from Philox). */
#include "cpu/ops.h"
#include "rng.h"

#include <math.h>

/* GELU on glibc's vector math library (libmvec, glibc >= 2.35, x86-64):
 * the 4-wide erff/expf it exports (ifunc-selected for the CPU, <= 2 ulp
 * per glibc's ulps tables) instead of a scalar libm call per element; the
 * surrounding arithmetic is the scalar formula's, operation by operation.
 * Elsewhere, and for the tail of each chunk, the scalar libm path. (A
 * branch-free rational erf (Eigen's, ~6 ulp) was tried and moved the golden
 * checkpoint logits by 2.6e-4 relative, over the 1e-4 tolerance.) */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 35)
#define PT_HAVE_MVEC 1
#include <immintrin.h>
__m128 _ZGVbN4v_erff(__m128 x);
__m128 _ZGVbN4v_expf(__m128 x);
#endif
#endif

static inline float gelu1(float x)
{
	return 0.5f * x * (1.0f + erff(x * (float)M_SQRT1_2));
}

static inline float dgelu1(float x, float d)
{
	const float inv_sqrt_2pi = 0.3989422804014327f;
	float cdf = 0.5f * (1.0f + erff(x * (float)M_SQRT1_2));
	float pdf = inv_sqrt_2pi * expf(-0.5f * x * x);
	return d * (cdf + x * pdf);
}

enum { GELU_CHUNK = 4096 };

void cpu_gelu_forward(float *out, const float *inp, size_t n)
{
	size_t nc = (n + GELU_CHUNK - 1) / GELU_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++) {
		size_t i = c * GELU_CHUNK, end = i + GELU_CHUNK < n ? i + GELU_CHUNK : n;
#ifdef PT_HAVE_MVEC
		const __m128 half = _mm_set1_ps(0.5f), one = _mm_set1_ps(1.0f), r2 = _mm_set1_ps((float)M_SQRT1_2);
		for (; i + 4 <= end; i += 4) {
			__m128 x = _mm_loadu_ps(inp + i);
			__m128 e = _ZGVbN4v_erff(_mm_mul_ps(x, r2));
			_mm_storeu_ps(out + i, _mm_mul_ps(_mm_mul_ps(half, x), _mm_add_ps(one, e)));
		}
#endif
		for (; i < end; i++)
			out[i] = gelu1(inp[i]);
	}
}

void cpu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
	size_t nc = (n + GELU_CHUNK - 1) / GELU_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++) {
		size_t i = c * GELU_CHUNK, end = i + GELU_CHUNK < n ? i + GELU_CHUNK : n;
#ifdef PT_HAVE_MVEC
		const __m128 half = _mm_set1_ps(0.5f), mhalf = _mm_set1_ps(-0.5f), one = _mm_set1_ps(1.0f);
		const __m128 r2 = _mm_set1_ps((float)M_SQRT1_2), k = _mm_set1_ps(0.3989422804014327f);
		for (; i + 4 <= end; i += 4) {
			__m128 x = _mm_loadu_ps(inp + i);
			__m128 cdf = _mm_mul_ps(half, _mm_add_ps(one, _ZGVbN4v_erff(_mm_mul_ps(x, r2))));
			__m128 pdf = _mm_mul_ps(k, _ZGVbN4v_expf(_mm_mul_ps(_mm_mul_ps(mhalf, x), x)));
			__m128 g = _mm_add_ps(cdf, _mm_mul_ps(x, pdf));
			_mm_storeu_ps(dinp + i, _mm_mul_ps(_mm_loadu_ps(dout + i), g));
		}
#endif
		for (; i < end; i++)
			dinp[i] = dgelu1(inp[i], dout[i]);
	}
}

/* Four mask elements per Philox block. */
static inline void mask4(uint64_t seed, uint64_t stream, size_t block, float p, float scale, float m[4])
{
	uint32_t w[4];
	pt_philox(seed, stream, block, w);
	for (int j = 0; j < 4; j++)
		m[j] = (float)(w[j] >> 8) * 0x1p-24f >= p ? scale : 0.0f;
}

#ifdef __SSE2__
#include <emmintrin.h>
/* hi and lo 32 bits of the 4 lane products a[i] * k */
static inline void mul_hilo(__m128i a, __m128i k, __m128i *hi, __m128i *lo)
{
	__m128i p02 = _mm_mul_epu32(a, k);                          /* lanes 0, 2 as 64-bit */
	__m128i p13 = _mm_mul_epu32(_mm_srli_epi64(a, 32), k);      /* lanes 1, 3 */
	/* lo lanes: p02.lo0, p13.lo0, p02.lo2, p13.lo2 after the interleave above */
	__m128i l = _mm_shuffle_epi32(p02, _MM_SHUFFLE(2, 2, 0, 0)), l2 = _mm_shuffle_epi32(p13, _MM_SHUFFLE(2, 2, 0, 0));
	*lo = _mm_unpacklo_epi64(_mm_unpacklo_epi32(l, l2), _mm_unpackhi_epi32(l, l2));
	__m128i h = _mm_shuffle_epi32(p02, _MM_SHUFFLE(3, 3, 1, 1)), h2 = _mm_shuffle_epi32(p13, _MM_SHUFFLE(3, 3, 1, 1));
	*hi = _mm_unpacklo_epi64(_mm_unpacklo_epi32(h, h2), _mm_unpackhi_epi32(h, h2));
}

/* Masks of the 16 elements of Philox blocks blk..blk+3 (pt_philox's words
 * computed for four counters at once, lane = block). */
static inline void mask16(uint64_t seed, uint64_t stream, size_t blk, float p, float scale, __m128 m[4])
{
	__m128i c0 = _mm_set_epi32((int)(uint32_t)(blk + 3), (int)(uint32_t)(blk + 2), (int)(uint32_t)(blk + 1), (int)(uint32_t)blk);
	__m128i c1 = _mm_set_epi32((int)(uint32_t)((blk + 3) >> 32), (int)(uint32_t)((blk + 2) >> 32),
				   (int)(uint32_t)((blk + 1) >> 32), (int)(uint32_t)(blk >> 32));
	__m128i c2 = _mm_set1_epi32((int)(uint32_t)stream), c3 = _mm_set1_epi32((int)(uint32_t)(stream >> 32));
	uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
	const __m128i m0 = _mm_set1_epi32((int)0xD2511F53u), m1 = _mm_set1_epi32((int)0xCD9E8D57u);
	for (int r = 0; r < 10; r++) {
		__m128i hi0, lo0, hi1, lo1;
		mul_hilo(c0, m0, &hi0, &lo0);
		mul_hilo(c2, m1, &hi1, &lo1);
		__m128i n0 = _mm_xor_si128(_mm_xor_si128(hi1, c1), _mm_set1_epi32((int)k0));
		__m128i n2 = _mm_xor_si128(_mm_xor_si128(hi0, c3), _mm_set1_epi32((int)k1));
		c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
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
#endif

/* out[i] = inp[i] * mask(i) + (resid ? resid[i] : 0) over elements [lo, hi) */
static void dropout_span(float *out, const float *inp, const float *resid, size_t lo, size_t hi,
			 float p, uint64_t seed, uint64_t stream)
{
	float scale = 1.0f / (1.0f - p);
	size_t i = lo;
#ifdef __SSE2__
	/* scalar up to a 16-element boundary, then 16 at a time */
	size_t a16 = (lo + 15) / 16 * 16;
	a16 = a16 < hi ? a16 : hi;
#else
	size_t a16 = hi;
#endif
	while (i < a16) {
		size_t blk = i / 4, end = blk * 4 + 4 < a16 ? blk * 4 + 4 : a16;
		float m[4];
		mask4(seed, stream, blk, p, scale, m);
		for (; i < end; i++)
			out[i] = inp[i] * m[i - blk * 4] + (resid ? resid[i] : 0.0f);
	}
#ifdef __SSE2__
	const __m128 zero = _mm_setzero_ps();
	for (; i + 16 <= hi; i += 16) {
		__m128 m[4];
		mask16(seed, stream, i / 4, p, scale, m);
		for (int j = 0; j < 4; j++) {
			__m128 r = resid ? _mm_loadu_ps(resid + i + 4 * j) : zero;
			_mm_storeu_ps(out + i + 4 * j, _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(inp + i + 4 * j), m[j]), r));
		}
	}
	while (i < hi) {
		size_t blk = i / 4, end = blk * 4 + 4 < hi ? blk * 4 + 4 : hi;
		float m[4];
		mask4(seed, stream, blk, p, scale, m);
		for (; i < end; i++)
			out[i] = inp[i] * m[i - blk * 4] + (resid ? resid[i] : 0.0f);
	}
#endif
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
	size_t nc = (n + DROP_CHUNK - 1) / DROP_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++)
		dropout_span(out, inp, resid, c * DROP_CHUNK, c * DROP_CHUNK + DROP_CHUNK < n ? c * DROP_CHUNK + DROP_CHUNK : n,
			     p, seed, stream);
}

void cpu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream)
{
	if (p <= 0) {
		if (dinp != dout)
			for (size_t i = 0; i < n; i++)
				dinp[i] = dout[i];
		return;
	}
	size_t nc = (n + DROP_CHUNK - 1) / DROP_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++)
		dropout_span(dinp, dout, NULL, c * DROP_CHUNK, c * DROP_CHUNK + DROP_CHUNK < n ? c * DROP_CHUNK + DROP_CHUNK : n,
			     p, seed, stream);
}

void cpu_dropout_range(float *out, const float *inp, size_t lo, size_t hi, float p, uint64_t seed, uint64_t stream)
{
	dropout_span(out, inp, NULL, lo, hi, p, seed, stream);
}
