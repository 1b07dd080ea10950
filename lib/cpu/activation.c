/* CPU backend: exact GELU. */
#include "cpu/ops.h"

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
