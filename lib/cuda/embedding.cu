/* CUDA backend: BERT embeddings (word + token type + position). */
#include "cuda/common.cuh"

static __global__ void embedding_forward_kernel(float *out, const int32_t *ids, const int32_t *tt,
						const float *wte, const float *wpe, const float *wtt, int B, int T, int C)
{
	size_t n = (size_t)B * T * C;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
		size_t bt = i / C;
		int c = (int)(i % C), t = (int)(bt % T);
		/* HF's order: inputs + token_type, += position */
		out[i] = (wte[(size_t)ids[bt] * C + c] + wtt[(size_t)tt[bt] * C + c]) + wpe[(size_t)t * C + c];
	}
}

void cu_embedding_forward(float *out, const int32_t *ids, const int32_t *tt,
			  const float *wte, const float *wpe, const float *wtt, int B, int T, int C)
{
	size_t n = (size_t)B * T * C;
	if (!n)
		return;
	embedding_forward_kernel<<<cuda_grid(n), PT_THREADS>>>(out, ids, tt, wte, wpe, wtt, B, T, C);
	LAUNCH_CHECK(embedding_forward_kernel);
}

/* One thread per element of dout, scattered with atomicAdd (rows of the
 * same id or position collide); rows with ids == pad_id add nothing to dwte. */
static __global__ void embedding_backward_kernel(float *dwte, float *dwpe, float *dwtt, const float *dout,
						 const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C)
{
	size_t n = (size_t)B * T * C;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
		size_t bt = i / C;
		int c = (int)(i % C), t = (int)(bt % T);
		float d = dout[i];
		atomicAdd(dwpe + (size_t)t * C + c, d);
		atomicAdd(dwtt + (size_t)tt[bt] * C + c, d);
		if (ids[bt] != pad_id)
			atomicAdd(dwte + (size_t)ids[bt] * C + c, d);
	}
}

void cu_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
			   const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C)
{
	size_t n = (size_t)B * T * C;
	if (!n)
		return;
	embedding_backward_kernel<<<cuda_grid(n), PT_THREADS>>>(dwte, dwpe, dwtt, dout, ids, tt, pad_id, B, T, C);
	LAUNCH_CHECK(embedding_backward_kernel);
}
