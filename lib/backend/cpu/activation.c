/* CPU backend: exact GELU, 0.5 x (1 + erf(x / sqrt 2)), on vmath.c's vector
 * erff/expf (glibc's libmvec at the CPU's widest width) in blocks that stay
 * in L1; the arithmetic around them is the scalar formula's, operation by
 * operation, so the logits stay within the golden fixtures' tolerance
 * (bench/README.md, "Why the code is as it is": what a cheaper erf did). */
#include "backend/cpu/ops.h"

#include <math.h>

enum { GELU_CHUNK = 4096, /* elements per OpenMP work item */
       GELU_BLOCK = 256   /* elements per vector-math call */ };

void cpu_gelu_forward(float *out, const float *inp, size_t n)
{
	size_t nc = (n + GELU_CHUNK - 1) / GELU_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++) {
		size_t end = (c + 1) * GELU_CHUNK < n ? (c + 1) * GELU_CHUNK : n;
		for (size_t i = c * GELU_CHUNK; i < end; i += GELU_BLOCK) {
			size_t len = end - i < GELU_BLOCK ? end - i : GELU_BLOCK;
			const float *x = inp + i;
			float *o = out + i;   /* may be x itself: o[j] is written after x[j] is read */
			float e[GELU_BLOCK];
			#pragma omp simd
			for (size_t j = 0; j < len; j++)
				e[j] = x[j] * (float)M_SQRT1_2;
			cpu_verff(e, len);
			#pragma omp simd
			for (size_t j = 0; j < len; j++)
				o[j] = 0.5f * x[j] * (1.0f + e[j]);
		}
	}
}

void cpu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
	const float inv_sqrt_2pi = 0.3989422804014327f;
	size_t nc = (n + GELU_CHUNK - 1) / GELU_CHUNK;
	#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < nc; c++) {
		size_t end = (c + 1) * GELU_CHUNK < n ? (c + 1) * GELU_CHUNK : n;
		for (size_t i = c * GELU_CHUNK; i < end; i += GELU_BLOCK) {
			size_t len = end - i < GELU_BLOCK ? end - i : GELU_BLOCK;
			const float *x = inp + i;
			float e[GELU_BLOCK], g[GELU_BLOCK];
			#pragma omp simd
			for (size_t j = 0; j < len; j++) {
				e[j] = x[j] * (float)M_SQRT1_2;
				g[j] = -0.5f * x[j] * x[j];
			}
			cpu_verff(e, len);
			cpu_vexpf(g, len);
			#pragma omp simd
			for (size_t j = 0; j < len; j++) {
				float cdf = 0.5f * (1.0f + e[j]);
				float pdf = inv_sqrt_2pi * g[j];
				dinp[i + j] = dout[i + j] * (cdf + x[j] * pdf);
			}
		}
	}
}
