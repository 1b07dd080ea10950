/* CPU backend: exact GELU and dropout (masks regenerated from Philox). */
#include "cpu/ops.h"
#include "rng.h"

#include <math.h>

void cpu_gelu_forward(float *out, const float *inp, size_t n)
{
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		float x = inp[i];
		out[i] = 0.5f * x * (1.0f + erff(x * (float)M_SQRT1_2));
	}
}

void cpu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
	const float inv_sqrt_2pi = 0.3989422804014327f;
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		float x = inp[i];
		float cdf = 0.5f * (1.0f + erff(x * (float)M_SQRT1_2));
		float pdf = inv_sqrt_2pi * expf(-0.5f * x * x);
		dinp[i] = dout[i] * (cdf + x * pdf);
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

void cpu_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
			 float p, uint64_t seed, uint64_t stream)
{
	if (p <= 0) {
		#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++)
			out[i] = inp[i] + (resid ? resid[i] : 0.0f);
		return;
	}
	float scale = 1.0f / (1.0f - p);
	size_t nb = (n + 3) / 4;
	#pragma omp parallel for schedule(static)
	for (size_t blk = 0; blk < nb; blk++) {
		float m[4];
		mask4(seed, stream, blk, p, scale, m);
		for (size_t i = blk * 4, j = 0; j < 4 && i < n; i++, j++)
			out[i] = inp[i] * m[j] + (resid ? resid[i] : 0.0f);
	}
}

void cpu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream)
{
	if (p <= 0) {
		if (dinp != dout)
			for (size_t i = 0; i < n; i++)
				dinp[i] = dout[i];
		return;
	}
	float scale = 1.0f / (1.0f - p);
	size_t nb = (n + 3) / 4;
	#pragma omp parallel for schedule(static)
	for (size_t blk = 0; blk < nb; blk++) {
		float m[4];
		mask4(seed, stream, blk, p, scale, m);
		for (size_t i = blk * 4, j = 0; j < 4 && i < n; i++, j++)
			dinp[i] = dout[i] * m[j];
	}
}
