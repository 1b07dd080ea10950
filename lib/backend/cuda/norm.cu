/* CUDA backend: LayerNorm over the last dimension. One warp per row with
 * fp32 accumulation (the CPU sums in fp32 too); parameter gradients one
 * thread per column, rows summed in order as the CPU does. */
#include "backend/cuda/common.cuh"


static __global__ void layernorm_forward_kernel(float *out, float *mean, float *rstd, const float *inp,
						const float *w, const float *b, int N, int C, float eps)
{
	int row = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (row >= N)
		return;   /* whole warps leave together: row is uniform across a warp */
	const float *x = inp + (size_t)row * C;
	float *o = out + (size_t)row * C;
	float m = 0;
	for (int c = lane; c < C; c += 32)
		m += x[c];
	m = warp_sum(m) / C;
	float var = 0;
	for (int c = lane; c < C; c += 32) {
		float d = x[c] - m;
		var += d * d;
	}
	var = warp_sum(var) / C;
	float s = 1.0f / sqrtf(var + eps);
	for (int c = lane; c < C; c += 32)
		o[c] = (x[c] - m) * s * w[c] + b[c];
	if (lane == 0) {
		mean[row] = m;
		rstd[row] = s;
	}
}

void cu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			  const float *w, const float *b, int N, int C, float eps)
{
	if (N <= 0)
		return;
	unsigned grid = row_grid((size_t)N);
	layernorm_forward_kernel<<<grid, PT_THREADS>>>(out, mean, rstd, inp, w, b, N, C, eps);
	LAUNCH_CHECK(layernorm_forward_kernel);
}

static __global__ void layernorm_param_grad_kernel(float *dw, float *db, const float *dout, const float *inp,
						   const float *mean, const float *rstd, int N, int C)
{
	int c = blockIdx.x * blockDim.x + threadIdx.x;
	if (c >= C)
		return;
	float sw = dw[c], sb = db[c];
	for (int i = 0; i < N; i++) {
		float d = dout[(size_t)i * C + c], x = inp[(size_t)i * C + c];
		sw += d * (x - mean[i]) * rstd[i];
		sb += d;
	}
	dw[c] = sw;
	db[c] = sb;
}

static __global__ void layernorm_input_grad_kernel(float *dinp, const float *dout, const float *inp, const float *w,
						   const float *mean, const float *rstd, int N, int C)
{
	int row = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / 32, lane = threadIdx.x % 32;
	if (row >= N)
		return;
	const float *x = inp + (size_t)row * C, *d = dout + (size_t)row * C;
	float *di = dinp + (size_t)row * C;
	float m = mean[row], s = rstd[row];
	float dn_mean = 0, dn_xhat = 0;
	for (int c = lane; c < C; c += 32) {
		float xhat = (x[c] - m) * s;
		float dn = w[c] * d[c];
		dn_mean += dn;
		dn_xhat += dn * xhat;
	}
	/* the shuffles complete every lane's reads of d before any write below;
	 * each element is then read and written by the same lane (dinp may be dout) */
	dn_mean = warp_sum(dn_mean) / C;
	dn_xhat = warp_sum(dn_xhat) / C;
	for (int c = lane; c < C; c += 32) {
		float xhat = (x[c] - m) * s;
		di[c] = s * (w[c] * d[c] - dn_mean - xhat * dn_xhat);
	}
}

void cu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
			   const float *inp, const float *w, const float *mean, const float *rstd, int N, int C)
{
	if (N <= 0)
		return;
	/* parameter grads first, so that dinp may alias dout */
	layernorm_param_grad_kernel<<<cuda_grid(C), PT_THREADS>>>(dw, db, dout, inp, mean, rstd, N, C);
	LAUNCH_CHECK(layernorm_param_grad_kernel);
	unsigned grid = row_grid((size_t)N);
	layernorm_input_grad_kernel<<<grid, PT_THREADS>>>(dinp, dout, inp, w, mean, rstd, N, C);
	LAUNCH_CHECK(layernorm_input_grad_kernel);
}
