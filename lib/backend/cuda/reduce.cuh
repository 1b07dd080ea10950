/* Internal to lib/backend/cuda/: deterministic sums in double of f(i), i < n. */
#ifndef PT_CUDA_REDUCE_CUH
#define PT_CUDA_REDUCE_CUH

#include "backend/cuda/common.cuh"

#define PT_REDUCE_BLOCKS 1024

/* partial[blockIdx.x] = sum of f(i) over the block's grid-stride share of
 * [0, n), in double; blockDim.x must be PT_THREADS (a power of two). */
template <class F>
__global__ void reduce_sum_kernel(double *partial, size_t n, F f)
{
	__shared__ double s[PT_THREADS];
	double acc = 0;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		acc += f(i);
	s[threadIdx.x] = acc;
	__syncthreads();
	for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
		if (threadIdx.x < h)
			s[threadIdx.x] += s[threadIdx.x + h];
		__syncthreads();
	}
	if (threadIdx.x == 0)
		partial[blockIdx.x] = s[0];
}

/* The sum of f(i) for i < n in double, the same bits on every call for the
 * same n (fixed grid, block partials added on the host in order). Uses
 * cuda_scratch; synchronizes with the device. */
template <class F>
double cuda_reduce_sum(size_t n, F f)
{
	if (!n)
		return 0;
	unsigned blocks = cuda_grid(n);
	if (blocks > PT_REDUCE_BLOCKS)
		blocks = PT_REDUCE_BLOCKS;
	double *partial = (double *)cuda_scratch(blocks * sizeof(double));
	reduce_sum_kernel<<<blocks, PT_THREADS>>>(partial, n, f);
	LAUNCH_CHECK(reduce_sum_kernel);
	double host[PT_REDUCE_BLOCKS];
	CUDA_CHECK(cudaMemcpy(host, partial, blocks * sizeof(double), cudaMemcpyDeviceToHost));
	double s = 0;
	for (unsigned i = 0; i < blocks; i++)
		s += host[i];
	return s;
}

#endif
