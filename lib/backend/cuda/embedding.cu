/* CUDA backend: BERT embeddings (word + token type + position). */
#include "backend/cuda/common.cuh"

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

/* The backward pass adds each row of dout into three tables: word (by id),
 * position (by t) and token type (by tt). Rows of the same id, position or
 * type collide; instead of atomicAdd (whose order, and so whose rounding,
 * changes from run to run) every table entry is summed by one thread over
 * the rows that hit it in ascending row order, the CPU's order: the result
 * is deterministic and bit-identical to the CPU backend's. */

/* dwpe[t, c] += dout[b, t, c] for b = 0..B-1: one thread per (t, c) */
static __global__ void embedding_backward_pos_kernel(float *dwpe, const float *dout, int B, int T, int C)
{
	size_t n = (size_t)T * C;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
		float s = dwpe[i];
		for (int b = 0; b < B; b++)
			s += dout[(size_t)b * n + i];
		dwpe[i] = s;
	}
}

/* dwtt[tt[bt], c] += dout[bt, c] over the rows in order: one thread per c
 * (there are few token types and every row hits one of them) */
static __global__ void embedding_backward_type_kernel(float *dwtt, const float *dout, const int32_t *tt, int BT, int C)
{
	int c = blockIdx.x * blockDim.x + threadIdx.x;
	if (c >= C)
		return;
	for (int bt = 0; bt < BT; bt++)
		dwtt[(size_t)tt[bt] * C + c] += dout[(size_t)bt * C + c];
}

/* dwte: one block per row i. The block marks, in a shared bitmap, every
 * row with the id of row i; the block of the FIRST such row (and only it)
 * then sums those rows in order, one thread per channel, into dwte[id].
 * Rows of pad_id add nothing. The scan is O(BT^2) integer compares over
 * the whole grid, small next to the products for any batch a GPU holds. */
static __global__ void embedding_backward_word_kernel(float *dwte, const float *dout, const int32_t *ids,
						      int pad_id, int BT, int C)
{
	extern __shared__ unsigned rows_of_id[];   /* [(BT + 31) / 32] bits */
	int i = blockIdx.x, id = ids[i], nw = (BT + 31) / 32;
	if (id == pad_id)
		return;   /* uniform across the block */
	for (int w = threadIdx.x; w < nw; w += blockDim.x)
		rows_of_id[w] = 0;
	__syncthreads();
	int earlier = 0;
	for (int j = threadIdx.x; j < BT; j += blockDim.x)
		if (ids[j] == id) {
			atomicOr(&rows_of_id[j / 32], 1u << (j % 32));   /* an OR: order-free */
			earlier |= j < i;
		}
	if (__syncthreads_or(earlier))
		return;   /* another block owns this id */
	for (int c = threadIdx.x; c < C; c += blockDim.x) {
		float s = dwte[(size_t)id * C + c];
		for (int w = i / 32; w < nw; w++)
			for (unsigned bits = rows_of_id[w]; bits; bits &= bits - 1)
				s += dout[(size_t)(w * 32 + __ffs(bits) - 1) * C + c];
		dwte[(size_t)id * C + c] = s;
	}
}

void cu_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
			   const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C)
{
	int BT = B * T;
	if (BT <= 0 || C <= 0)
		return;
	embedding_backward_pos_kernel<<<cuda_grid((size_t)T * C), PT_THREADS>>>(dwpe, dout, B, T, C);
	LAUNCH_CHECK(embedding_backward_pos_kernel);
	embedding_backward_type_kernel<<<cuda_grid((size_t)C), PT_THREADS>>>(dwtt, dout, tt, BT, C);
	LAUNCH_CHECK(embedding_backward_type_kernel);
	size_t shmem = sizeof(unsigned) * (size_t)((BT + 31) / 32);
	if (shmem > 48 * 1024)   /* 393216 tokens in one batch */
		cuda_fail(__FILE__, __LINE__, "embedding_backward", "more than 393216 tokens in one batch");
	embedding_backward_word_kernel<<<(unsigned)BT, PT_THREADS, shmem>>>(dwte, dout, ids, pad_id, BT, C);
	LAUNCH_CHECK(embedding_backward_word_kernel);
}
