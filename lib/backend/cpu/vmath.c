/* CPU backend: expf and erff over arrays, and sums in fixed lanes.
 *
 * expf/erff run on glibc's vector math library (libmvec, x86-64, glibc >=
 * 2.35 for erff), at the widest width the CPU has: 16 lanes with AVX-512,
 * 8 with AVX2, 4 otherwise (each an ifunc glibc resolves for the CPU; <= 2
 * ulp per glibc's ulps tables). A tail shorter than the width goes through
 * the same vector function in a zero-padded block, so an element's result
 * does not depend on where it sits in the array. Elsewhere: scalar libm.
 *
 * The sums keep PT_LANES partial sums (element i goes to lane i % PT_LANES)
 * and add the lanes in a fixed order at the end: no loop-carried chain of
 * one add per element, the same bits on every ISA and thread count (ISO C
 * mode, so the compiler neither contracts to FMA nor reassociates). */
#include "backend/cpu/ops.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) && \
	defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 35)
#define PT_HAVE_MVEC 1
#endif
#endif

#ifdef PT_HAVE_MVEC
#include <immintrin.h>

/* One vector width: glibc's W-lane expf/erff (mangled names per the x86-64
 * vector ABI: b = SSE, d = AVX2, e = AVX-512), and expf_SFX / erff_SFX
 * applying them W floats at a time, the tail through a zero-padded block. */
#define PT_VMAP(sfx, W, VT, LOAD, STORE, EXPF, ERFF)                          \
	VT EXPF(VT x);                                                        \
	VT ERFF(VT x);                                                        \
	PT_VMAP_ONE(expf_##sfx, W, LOAD, STORE, EXPF)                         \
	PT_VMAP_ONE(erff_##sfx, W, LOAD, STORE, ERFF)
#define PT_VMAP_ONE(name, W, LOAD, STORE, F)                                  \
	static void name(float *x, size_t n)                                  \
	{                                                                     \
		size_t i = 0;                                                 \
		for (; i + W <= n; i += W)                                    \
			STORE(x + i, F(LOAD(x + i)));                         \
		if (i < n) {                                                  \
			float t[W] = {0};                                     \
			memcpy(t, x + i, sizeof(float) * (n - i));            \
			STORE(t, F(LOAD(t)));                                 \
			memcpy(x + i, t, sizeof(float) * (n - i));            \
		}                                                             \
	}

PT_VMAP(sse, 4, __m128, _mm_loadu_ps, _mm_storeu_ps, _ZGVbN4v_expf, _ZGVbN4v_erff)
#pragma GCC push_options
#pragma GCC target("avx2")
PT_VMAP(avx2, 8, __m256, _mm256_loadu_ps, _mm256_storeu_ps, _ZGVdN8v_expf, _ZGVdN8v_erff)
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f")
PT_VMAP(avx512, 16, __m512, _mm512_loadu_ps, _mm512_storeu_ps, _ZGVeN16v_expf, _ZGVeN16v_erff)
#pragma GCC pop_options

typedef void (*vmap_fn)(float *x, size_t n);
/* by pt_cpu_isa; cpu_best_isa() is at least PT_ISA_SSE2 here (x86-64) */
static const vmap_fn expf_at[] = {
	[PT_ISA_SSE2] = expf_sse, [PT_ISA_AVX2] = expf_avx2, [PT_ISA_AVX512] = expf_avx512 };
static const vmap_fn erff_at[] = {
	[PT_ISA_SSE2] = erff_sse, [PT_ISA_AVX2] = erff_avx2, [PT_ISA_AVX512] = erff_avx512 };

void cpu_vexpf(float *x, size_t n)
{
	expf_at[cpu_best_isa()](x, n);
}

void cpu_verff(float *x, size_t n)
{
	erff_at[cpu_best_isa()](x, n);
}
#else
void cpu_vexpf(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = expf(x[i]);
}

void cpu_verff(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = erff(x[i]);
}
#endif

_Static_assert(PT_LANES == 8, "cpu_lanes_total adds 8 lanes");

/* the lanes added pairwise: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) */
float cpu_lanes_total(const float *s)
{
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

float cpu_vsum(const float *x, size_t n)
{
	float s[PT_LANES] = {0};
	size_t i = 0;
	for (; i + PT_LANES <= n; i += PT_LANES)
		for (int l = 0; l < PT_LANES; l++)
			s[l] += x[i + l];
	for (int l = 0; i < n; i++, l++)
		s[l] += x[i];
	return cpu_lanes_total(s);
}

float cpu_vdot(const float *x, const float *y, size_t n)
{
	float s[PT_LANES] = {0};
	size_t i = 0;
	for (; i + PT_LANES <= n; i += PT_LANES)
		for (int l = 0; l < PT_LANES; l++)
			s[l] += x[i + l] * y[i + l];
	for (int l = 0; i < n; i++, l++)
		s[l] += x[i] * y[i];
	return cpu_lanes_total(s);
}

float cpu_vsumsq_dev(const float *x, float m, size_t n)
{
	float s[PT_LANES] = {0};
	size_t i = 0;
	for (; i + PT_LANES <= n; i += PT_LANES)
		for (int l = 0; l < PT_LANES; l++) {
			float d = x[i + l] - m;
			s[l] += d * d;
		}
	for (int l = 0; i < n; i++, l++) {
		float d = x[i] - m;
		s[l] += d * d;
	}
	return cpu_lanes_total(s);
}
