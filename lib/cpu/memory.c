/* CPU backend: memory, fills, reductions and the AdamW update. */
#include "cpu/ops.h"
#include "rng.h"
#include "util.h"

#include <math.h>
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

void cpu_fill(float *x, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		x[i] = v;
}

void cpu_fill_normal(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream)
{
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] = mean + std * pt_rng_normal(seed, stream, i);
}

double cpu_sumsq(const float *x, size_t n)
{
	double s = 0;
	#pragma omp parallel for reduction(+:s) schedule(static)
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}

void cpu_scale(float *x, size_t n, float s)
{
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

/* Mirrors torch.optim.adamw's single-tensor path operation by operation. */
void cpu_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr,
		      float beta1, float beta2, float eps, float wd, int64_t t)
{
	float decay = 1.0f - lr * wd;
	double bc1 = 1.0 - pow((double)beta1, (double)t);
	double bc2 = 1.0 - pow((double)beta2, (double)t);
	float step_size = (float)(lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	float w1 = 1.0f - beta1, w2 = 1.0f - beta2;
	#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		float pi = p[i] * decay;
		float mi = m[i] + w1 * (gi - m[i]);
		float vi = v[i] * beta2 + w2 * gi * gi;
		float denom = sqrtf(vi) / bc2_sqrt + eps;
		m[i] = mi;
		v[i] = vi;
		p[i] = pi - step_size * (mi / denom);
	}
}
