/* CUDA backend: multi-head self-attention, lib/backend/cpu/attention.c on the GPU.
 * For each batch row b, the NH heads' products are one strided-batched
 * sgemm on the views q, k, v [B,T,C] (head h at column h*hd, leading
 * dimension C), so nothing is transposed or copied; masked softmax and its
 * backward are one warp per row of att. */
#include "backend/cuda/common.cuh"

#include <float.h>
#include <math.h>


static __device__ __forceinline__ float warp_max(float v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

/* Row r of att [B*NH*T, T]: + (1 - mask) * finfo(float32).min, then softmax. */
static __global__ void masked_softmax_kernel(float *att, const int32_t *mask, size_t rows, int T, int NH)
{
	size_t r = (size_t)blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows)
		return;   /* uniform across the warp */
	float *a = att + r * T;
	const int32_t *mk = mask + (r / ((size_t)NH * T)) * T;
	float mx = -INFINITY;
	for (int j = lane; j < T; j += 32) {
		a[j] += mk[j] ? 0.0f : -FLT_MAX;
		mx = fmaxf(mx, a[j]);
	}
	mx = warp_max(mx);
	float sum = 0;
	for (int j = lane; j < T; j += 32) {
		a[j] = expf(a[j] - mx);
		sum += a[j];
	}
	float inv = 1.0f / warp_sum(sum);
	for (int j = lane; j < T; j += 32)
		a[j] *= inv;
}

/* Row r of datt: d = a * (da - sum(a * da)) */
static __global__ void softmax_backward_kernel(float *datt, const float *att, size_t rows, int T)
{
	size_t r = (size_t)blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / 32;
	int lane = threadIdx.x % 32;
	if (r >= rows)
		return;
	const float *a = att + r * T;
	float *da = datt + r * T;
	float dot = 0;
	for (int j = lane; j < T; j += 32)
		dot += a[j] * da[j];
	dot = warp_sum(dot);
	for (int j = lane; j < T; j += 32)
		da[j] = a[j] * (da[j] - dot);
}

void cu_attention_forward(float *ctx, float *att, float *att_drop, const float *q, const float *k,
			  const float *v, const int32_t *mask, int B, int T, int C, int NH,
			  float p, uint64_t seed, uint64_t stream)
{
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	long long TT = (long long)T * T;
	size_t BTC = (size_t)T * C;
	if (B <= 0 || T <= 0)
		return;
	for (int b = 0; b < B; b++)
		cuda_sgemm_batched(false, true, T, T, hd, scale, q + b * BTC, C, hd, k + b * BTC, C, hd,
				   0.0f, att + (size_t)b * NH * TT, T, TT, NH);
	size_t rows = (size_t)B * NH * T;
	masked_softmax_kernel<<<row_grid(rows), PT_THREADS>>>(att, mask, rows, T, NH);
	LAUNCH_CHECK(masked_softmax_kernel);
	if (att_drop != att || p > 0)
		cu_dropout_forward(att_drop, att, NULL, (size_t)B * NH * TT, p, seed, stream);
	for (int b = 0; b < B; b++)
		cuda_sgemm_batched(false, false, T, hd, T, 1.0f, att_drop + (size_t)b * NH * TT, T, TT,
				   v + b * BTC, C, hd, 0.0f, ctx + b * BTC, C, hd, NH);
}

void cu_attention_backward(float *dq, float *dk, float *dv, float *datt, const float *dctx,
			   const float *att, const float *att_drop, const float *q, const float *k,
			   const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream)
{
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	long long TT = (long long)T * T;
	size_t BTC = (size_t)T * C;
	if (B <= 0 || T <= 0)
		return;
	for (int b = 0; b < B; b++) {
		/* datt = dctx v^T, dv = att_drop^T dctx */
		cuda_sgemm_batched(false, true, T, T, hd, 1.0f, dctx + b * BTC, C, hd, v + b * BTC, C, hd,
				   0.0f, datt + (size_t)b * NH * TT, T, TT, NH);
		cuda_sgemm_batched(true, false, T, hd, T, 1.0f, att_drop + (size_t)b * NH * TT, T, TT,
				   dctx + b * BTC, C, hd, 0.0f, dv + b * BTC, C, hd, NH);
	}
	if (p > 0)
		cu_dropout_backward(datt, datt, (size_t)B * NH * TT, p, seed, stream);
	size_t rows = (size_t)B * NH * T;
	softmax_backward_kernel<<<row_grid(rows), PT_THREADS>>>(datt, att, rows, T);
	LAUNCH_CHECK(softmax_backward_kernel);
	for (int b = 0; b < B; b++) {
		/* dq = scale datt k, dk = scale datt^T q */
		cuda_sgemm_batched(false, false, T, hd, T, scale, datt + (size_t)b * NH * TT, T, TT,
				   k + b * BTC, C, hd, 0.0f, dq + b * BTC, C, hd, NH);
		cuda_sgemm_batched(true, false, T, hd, T, scale, datt + (size_t)b * NH * TT, T, TT,
				   q + b * BTC, C, hd, 0.0f, dk + b * BTC, C, hd, NH);
	}
}
