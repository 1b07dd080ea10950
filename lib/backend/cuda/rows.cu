/* CUDA backend: packing the real tokens of a padded batch into consecutive
 * rows and back (see lib/backend/cpu/rows.c). */
#include "backend/cuda/common.cuh"

/* out[i, c] = inp[rows[i], c]: one thread per element of out */
static __global__ void rows_gather_kernel(float *out, const float *inp, const int32_t *rows, int N, int C)
{
	size_t n = (size_t)N * C;
	for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < n; e += (size_t)gridDim.x * blockDim.x)
		out[e] = inp[(size_t)rows[e / C] * C + e % C];
}

void cu_rows_gather(float *out, const float *inp, const int32_t *rows, int N, int C)
{
	size_t n = (size_t)N * C;
	if (!n)
		return;
	rows_gather_kernel<<<cuda_grid(n), PT_THREADS>>>(out, inp, rows, N, C);
	LAUNCH_CHECK(rows_gather_kernel);
}

/* out[rows[i], c] = inp[i, c]: one thread per element of inp (out zeroed first) */
static __global__ void rows_scatter_kernel(float *out, const float *inp, const int32_t *rows, int N, int C)
{
	size_t n = (size_t)N * C;
	for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < n; e += (size_t)gridDim.x * blockDim.x)
		out[(size_t)rows[e / C] * C + e % C] = inp[e];
}

void cu_rows_scatter(float *out, const float *inp, const int32_t *rows, int N, int M, int C)
{
	if ((size_t)M * C == 0)
		return;
	CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(float) * (size_t)M * C));
	size_t n = (size_t)N * C;
	if (!n)
		return;
	rows_scatter_kernel<<<cuda_grid(n), PT_THREADS>>>(out, inp, rows, N, C);
	LAUNCH_CHECK(rows_scatter_kernel);
}
