/* CUDA backend: device memory, copies, scratch and the fills. */
#include "backend/cuda/common.cuh"
#include "backend/cuda/rng.cuh"

#include <stdio.h>

void *cu_alloc(size_t bytes)
{
	void *p = NULL;
	size_t n = bytes ? bytes : 1;
	cudaError_t e = cudaMalloc(&p, n);
	if (e != cudaSuccess) {
		char what[160];
		snprintf(what, sizeof what, "allocating %zu bytes of device memory: %s", bytes, cudaGetErrorString(e));
		cuda_fail(__FILE__, __LINE__, "cudaMalloc", what);
	}
	CUDA_CHECK(cudaMemset(p, 0, n));
	return p;
}

void cu_release(void *p)
{
	if (p)
		CUDA_CHECK(cudaFree(p));
}

/* cudaMemcpyDefault: the direction follows from the pointers (unified
 * addressing), so these work device to device too, as memmove does on the CPU. */
void cu_to_device(void *dst, const void *host_src, size_t bytes)
{
	if (bytes)
		CUDA_CHECK(cudaMemcpy(dst, host_src, bytes, cudaMemcpyDefault));
}

void cu_to_host(void *host_dst, const void *src, size_t bytes)
{
	if (bytes)
		CUDA_CHECK(cudaMemcpy(host_dst, src, bytes, cudaMemcpyDefault));
}

static void *scratch;
static size_t scratch_size;

void *cuda_scratch(size_t bytes)
{
	if (bytes > scratch_size) {
		if (scratch)
			CUDA_CHECK(cudaFree(scratch));
		scratch = NULL;
		size_t n = bytes < 4096 ? 4096 : bytes;
		CUDA_CHECK(cudaMalloc(&scratch, n));
		scratch_size = n;
	}
	return scratch;
}

static __global__ void fill_kernel(float *x, size_t n, float v)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		x[i] = v;
}

void cu_fill(float *x, size_t n, float v)
{
	if (!n)
		return;
	fill_kernel<<<cuda_grid(n), PT_THREADS>>>(x, n, v);
	LAUNCH_CHECK(fill_kernel);
}

static __global__ void fill_normal_kernel(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		x[i] = mean + std * cu_rng_normal(seed, stream, i);
}

void cu_fill_normal(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream)
{
	if (!n)
		return;
	fill_normal_kernel<<<cuda_grid(n), PT_THREADS>>>(x, n, mean, std, seed, stream);
	LAUNCH_CHECK(fill_normal_kernel);
}
