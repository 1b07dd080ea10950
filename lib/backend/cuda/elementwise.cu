/* CUDA backend: exact GELU, dropout (masks regenerated from Philox exactly
 * as lib/backend/cpu/activation.c does) and scale. One thread per element, or per
 * Philox block of 4 elements for dropout. */
#include "backend/cuda/common.cuh"
#include "backend/cuda/rng.cuh"

#define GRID_LOOP(i, n) \
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

static __global__ void gelu_forward_kernel(float *out, const float *inp, size_t n)
{
	GRID_LOOP(i, n) {
		float x = inp[i];
		out[i] = 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
	}
}

void cu_gelu_forward(float *out, const float *inp, size_t n)
{
	if (!n)
		return;
	gelu_forward_kernel<<<cuda_grid(n), PT_THREADS>>>(out, inp, n);
	LAUNCH_CHECK(gelu_forward_kernel);
}

static __global__ void gelu_backward_kernel(float *dinp, const float *inp, const float *dout, size_t n)
{
	const float inv_sqrt_2pi = 0.3989422804014327f;
	GRID_LOOP(i, n) {
		float x = inp[i];
		float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752440f));
		float pdf = inv_sqrt_2pi * expf(-0.5f * x * x);
		dinp[i] = dout[i] * (cdf + x * pdf);
	}
}

void cu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
	if (!n)
		return;
	gelu_backward_kernel<<<cuda_grid(n), PT_THREADS>>>(dinp, inp, dout, n);
	LAUNCH_CHECK(gelu_backward_kernel);
}

/* Thread per Philox block: elements 4*blk .. 4*blk+3 (those below n);
 * out = inp * mask * scale + resid. Each element is read before it is
 * written by the same thread, so out may equal inp. */
static __global__ void dropout_forward_kernel(float *out, const float *inp, const float *resid, size_t n,
					      float p, float scale, uint64_t seed, uint64_t stream)
{
	size_t nb = (n + 3) / 4;
	GRID_LOOP(blk, nb) {
		uint32_t w[4];
		cu_philox(seed, stream, blk, w);
		for (size_t i = blk * 4, j = 0; j < 4 && i < n; i++, j++) {
			float m = cu_word_uniform(w[j]) >= p ? scale : 0.0f;
			out[i] = inp[i] * m + (resid ? resid[i] : 0.0f);
		}
	}
}

static __global__ void add_kernel(float *out, const float *inp, const float *resid, size_t n)
{
	GRID_LOOP(i, n)
		out[i] = inp[i] + (resid ? resid[i] : 0.0f);
}

void cu_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
			float p, uint64_t seed, uint64_t stream)
{
	if (!n)
		return;
	if (p <= 0) {
		add_kernel<<<cuda_grid(n), PT_THREADS>>>(out, inp, resid, n);
		LAUNCH_CHECK(add_kernel);
		return;
	}
	float scale = 1.0f / (1.0f - p);
	dropout_forward_kernel<<<cuda_grid((n + 3) / 4), PT_THREADS>>>(out, inp, resid, n, p, scale, seed, stream);
	LAUNCH_CHECK(dropout_forward_kernel);
}

static __global__ void dropout_backward_kernel(float *dinp, const float *dout, size_t n, float p, float scale,
					       uint64_t seed, uint64_t stream)
{
	size_t nb = (n + 3) / 4;
	GRID_LOOP(blk, nb) {
		uint32_t w[4];
		cu_philox(seed, stream, blk, w);
		for (size_t i = blk * 4, j = 0; j < 4 && i < n; i++, j++)
			dinp[i] = dout[i] * (cu_word_uniform(w[j]) >= p ? scale : 0.0f);
	}
}

void cu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream)
{
	if (!n)
		return;
	if (p <= 0) {
		if (dinp != dout)
			CUDA_CHECK(cudaMemcpy(dinp, dout, n * sizeof(float), cudaMemcpyDeviceToDevice));
		return;
	}
	float scale = 1.0f / (1.0f - p);
	dropout_backward_kernel<<<cuda_grid((n + 3) / 4), PT_THREADS>>>(dinp, dout, n, p, scale, seed, stream);
	LAUNCH_CHECK(dropout_backward_kernel);
}

static __global__ void scale_kernel(float *x, size_t n, float s)
{
	GRID_LOOP(i, n)
		x[i] *= s;
}

void cu_scale(float *x, size_t n, float s)
{
	if (!n)
		return;
	scale_kernel<<<cuda_grid(n), PT_THREADS>>>(x, n, s);
	LAUNCH_CHECK(scale_kernel);
}
