/* CPU backend: memory, fills, reductions and the AdamW update. */
#include "backend/cpu/ops.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <omp.h>
#ifdef __SSE2__
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

void *cpu_alloc(size_t bytes)
{
	/* calloc: large blocks come straight from mmap, zeroed lazily by the kernel */
	void *p = calloc(1, bytes ? bytes : 1);
	if (!p)
		pt_die("out of memory allocating %zu bytes", bytes);
	return p;
}

void cpu_release(void *p) { free(p); }

void cpu_copy(void *dst, const void *src, size_t bytes)
{
	if (bytes)
		memmove(dst, src, bytes);
}

/* The calling thread's contiguous share [*lo, *hi) of n items, inside a
 * parallel region: equal shares in thread order. */
static void thread_share(size_t n, size_t *lo, size_t *hi)
{
	size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num();
	size_t per = (n + nt - 1) / nt;
	*lo = per * id < n ? per * id : n;
	*hi = *lo + per < n ? *lo + per : n;
}

void cpu_fill(float *x, size_t n, float v)
{
	if (v == 0.0f && !signbit(v)) {   /* zero_grad: memset, split across the threads */
		if (n < ((size_t)1 << 16)) {
			memset(x, 0, n * sizeof(float));
			return;
		}
		#pragma omp parallel
		{
			size_t lo, hi;
			thread_share(n, &lo, &hi);
			memset(x + lo, 0, (hi - lo) * sizeof(float));
		}
		return;
	}
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] = v;
}

void cpu_fill_normal(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream)
{
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] = mean + std * pt_rng_normal(seed, stream, i);
}

/* Each thread sums its share (a vectorised loop: the rate of memory), then
 * the shares are added in thread order. OpenMP leaves the order in which a
 * parallel reduction clause combines the threads' values unspecified: with
 * 3+ threads the norm, the clip factor and so the weights could differ
 * from run to run. */
enum { SUMSQ_MAX_THREADS = 256 };

double cpu_sumsq(const float *x, size_t n)
{
	double part[SUMSQ_MAX_THREADS];
	int mt = omp_get_max_threads(), used = 1;
	#pragma omp parallel num_threads(mt < SUMSQ_MAX_THREADS ? mt : SUMSQ_MAX_THREADS)
	{
		size_t lo, hi;
		thread_share(n, &lo, &hi);
		double t = 0;
		#pragma omp simd reduction(+ : t)
		for (size_t i = lo; i < hi; i++)
			t += (double)x[i] * x[i];
		part[omp_get_thread_num()] = t;
		#pragma omp single nowait
		used = omp_get_num_threads();
	}
	double s = 0;
	for (int t = 0; t < used; t++)
		s += part[t];
	return s;
}

void cpu_scale(float *x, size_t n, float s)
{
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

/* One chunk of the update. The SSE path does the same IEEE operations in
 * the same order as the scalar loop (sqrt and division are correctly
 * rounded in SIMD too, nothing is fused), so the results are the same bits. */
#ifdef __SSE2__
/* the 4 floats of x rounded to bf16 (pt_bf16_round), stored at dst */
static void store_bf16x4(uint16_t *dst, __m128 x)
{
	__m128i u = _mm_castps_si128(x);
	__m128i lsb = _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(1));
	__m128i r = _mm_srli_epi32(_mm_add_epi32(u, _mm_add_epi32(_mm_set1_epi32(0x7fff), lsb)), 16);
	__m128i nan = _mm_castps_si128(_mm_cmpunord_ps(x, x));
	__m128i q = _mm_or_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(0x40));
	r = _mm_or_si128(_mm_andnot_si128(nan, r), _mm_and_si128(nan, q));
	r = _mm_srai_epi32(_mm_slli_epi32(r, 16), 16);   /* 16-bit values, sign-extended: packs keeps them */
	_mm_storel_epi64((__m128i *)dst, _mm_packs_epi32(r, r));
}
#endif

static void adamw_chunk(float *restrict p, uint16_t *restrict p16, const float *restrict g, float gscale,
			float *restrict m, float *restrict v, size_t n, float decay, float step_size, float bc2_sqrt,
			float beta1, float beta2, float eps)
{
	float w1 = 1.0f - beta1, w2 = 1.0f - beta2;
	size_t i = 0;
#ifdef __SSE2__
	__m128 vdecay = _mm_set1_ps(decay), vw1 = _mm_set1_ps(w1), vw2 = _mm_set1_ps(w2);
	__m128 vb2 = _mm_set1_ps(beta2), vbc2 = _mm_set1_ps(bc2_sqrt), veps = _mm_set1_ps(eps);
	__m128 vstep = _mm_set1_ps(step_size), vgs = _mm_set1_ps(gscale);
	for (; i + 4 <= n; i += 4) {
		__m128 gi = _mm_mul_ps(_mm_loadu_ps(g + i), vgs), mi0 = _mm_loadu_ps(m + i);
		__m128 pi = _mm_mul_ps(_mm_loadu_ps(p + i), vdecay);
		__m128 mi = _mm_add_ps(mi0, _mm_mul_ps(vw1, _mm_sub_ps(gi, mi0)));
		__m128 vi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), vb2), _mm_mul_ps(_mm_mul_ps(vw2, gi), gi));
		__m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), vbc2), veps);
		__m128 np = _mm_sub_ps(pi, _mm_mul_ps(vstep, _mm_div_ps(mi, denom)));
		_mm_storeu_ps(m + i, mi);
		_mm_storeu_ps(v + i, vi);
		_mm_storeu_ps(p + i, np);
		if (p16)
			store_bf16x4(p16 + i, np);
	}
#endif
	for (; i < n; i++) {
		float gi = g[i] * gscale;
		float pi = p[i] * decay;
		float mi = m[i] + w1 * (gi - m[i]);
		float vi = v[i] * beta2 + w2 * gi * gi;
		float denom = sqrtf(vi) / bc2_sqrt + eps;
		m[i] = mi;
		v[i] = vi;
		p[i] = pi - step_size * (mi / denom);
		if (p16)
			p16[i] = pt_bf16_round(p[i]);
	}
}

/* Mirrors torch.optim.adamw's single-tensor path operation by operation. */
void cpu_adamw_update(float *p, uint16_t *p16, const float *g, float gscale, float *m, float *v, size_t n,
		      float lr, float beta1, float beta2, float eps, float wd, int64_t t)
{
	float decay = 1.0f - lr * wd;
	double bc1 = 1.0 - pow((double)beta1, (double)t);
	double bc2 = 1.0 - pow((double)beta2, (double)t);
	float step_size = (float)(lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	const size_t chunk = 16384;
	size_t nc = (n + chunk - 1) / chunk;
	#pragma omp parallel for schedule(static) if (n > chunk)
	for (size_t c = 0; c < nc; c++) {
		size_t lo = c * chunk, len = n - lo < chunk ? n - lo : chunk;
		adamw_chunk(p + lo, p16 ? p16 + lo : NULL, g + lo, gscale, m + lo, v + lo, len, decay, step_size,
			    bc2_sqrt, beta1, beta2, eps);
	}
}
