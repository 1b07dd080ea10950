/* CUDA backend: the gradient norm's sum of squares and the AdamW update
 * (one kernel over the flat parameter buffer), as lib/backend/cpu/memory.c. */
#include "backend/cuda/common.cuh"
#include "backend/cuda/reduce.cuh"

#include <math.h>

struct square {
	const float *x;
	__device__ double operator()(size_t i) const { return (double)x[i] * x[i]; }
};

double cu_sumsq(const float *x, size_t n)
{
	return cuda_reduce_sum(n, square{x});
}

static __global__ void adamw_kernel(float *p, const float *g, float gscale, float *m, float *v, size_t n, float decay,
				    float beta2, float step_size, float bc2_sqrt, float w1, float w2, float eps)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
		float gi = __fmul_rn(g[i], gscale);   /* never contracted into an FMA */
		float pi = p[i] * decay;
		float mi = m[i] + w1 * (gi - m[i]);
		float vi = v[i] * beta2 + w2 * gi * gi;
		float denom = sqrtf(vi) / bc2_sqrt + eps;
		m[i] = mi;
		v[i] = vi;
		p[i] = pi - step_size * (mi / denom);
	}
}

/* Mirrors torch.optim.adamw's single-tensor path operation by operation;
 * the step constants are computed on the host exactly as the CPU does. */
void cu_adamw_update(float *p, uint16_t *, const float *g, float gscale, float *m, float *v, size_t n,
		     float lr, float beta1, float beta2, float eps, float wd, int64_t t)
{
	if (!n)
		return;
	float decay = 1.0f - lr * wd;
	double bc1 = 1.0 - pow((double)beta1, (double)t);
	double bc2 = 1.0 - pow((double)beta2, (double)t);
	float step_size = (float)(lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	float w1 = 1.0f - beta1, w2 = 1.0f - beta2;
	adamw_kernel<<<cuda_grid(n), PT_THREADS>>>(p, g, gscale, m, v, n, decay, beta2, step_size, bc2_sqrt, w1, w2, eps);
	LAUNCH_CHECK(adamw_kernel);
}
