/* CPU backend: LayerNorm over the last dimension. */
#include "backend/cpu/ops.h"

#include <math.h>

void cpu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			   const float *w, const float *b, int N, int C, float eps)
{
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		const float *x = inp + (size_t)i * C;
		float *o = out + (size_t)i * C;
		float m = cpu_vsum(x, C) / C;
		float var = cpu_vsumsq_dev(x, m, C) / C;
		float s = 1.0f / sqrtf(var + eps);
		for (int c = 0; c < C; c++)
			o[c] = (x[c] - m) * s * w[c] + b[c];
		mean[i] = m;
		rstd[i] = s;
	}
}

void cpu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
			    const float *inp, const float *w, const float *mean, const float *rstd, int N, int C)
{
	/* parameter grads first, so that dinp may alias dout */
	#pragma omp parallel for schedule(static)
	for (int c0 = 0; c0 < C; c0 += 64) {
		int c1 = c0 + 64 < C ? c0 + 64 : C;
		for (int i = 0; i < N; i++) {
			const float *x = inp + (size_t)i * C, *d = dout + (size_t)i * C;
			float m = mean[i], s = rstd[i];
			for (int c = c0; c < c1; c++) {
				dw[c] += d[c] * (x[c] - m) * s;
				db[c] += d[c];
			}
		}
	}
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		const float *x = inp + (size_t)i * C, *d = dout + (size_t)i * C;
		float *di = dinp + (size_t)i * C;
		float m = mean[i], s = rstd[i];
		/* sum(w d) and sum(w d xhat), in PT_LANES partial sums each (as vmath.c) */
		float sm[PT_LANES] = {0}, sx[PT_LANES] = {0};
		int c = 0;
		for (; c + PT_LANES <= C; c += PT_LANES)
			for (int l = 0; l < PT_LANES; l++) {
				float dn = w[c + l] * d[c + l];
				sm[l] += dn;
				sx[l] += dn * ((x[c + l] - m) * s);
			}
		for (int l = 0; c < C; c++, l++) {
			float dn = w[c] * d[c];
			sm[l] += dn;
			sx[l] += dn * ((x[c] - m) * s);
		}
		float dn_mean = cpu_lanes_total(sm) / C;
		float dn_xhat = cpu_lanes_total(sx) / C;
		for (int c = 0; c < C; c++) {
			float xhat = (x[c] - m) * s;
			di[c] = s * (w[c] * d[c] - dn_mean - xhat * dn_xhat);
		}
	}
}
