/* CUDA backend: the op table, device detection, error reporting and the
 * cuBLAS handle. */
#include "backend/cuda/common.cuh"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void cuda_fail(const char *file, int line, const char *call, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s:%d: %s: %s\n", program_invocation_short_name, file, line, call, what);
	exit(1);
}

static char cuda_what[320];

extern "C" int pt_cuda_available(void)
{
	static int known = -1;
	if (known < 0) {
		int n = 0;
		cudaError_t e = cudaGetDeviceCount(&n);
		known = e == cudaSuccess && n > 0;
		/* one GPU per rank: the launcher's node-local rank picks it */
		const char *lr = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
		if (!lr) lr = getenv("SLURM_LOCALID");
		if (!lr) lr = getenv("MPI_LOCALRANKID");
		if (known && lr && atoi(lr) > 0 && cudaSetDevice(atoi(lr) % n) != cudaSuccess) {
			snprintf(cuda_what, sizeof cuda_what, "cudaSetDevice(%d): %s", atoi(lr) % n,
				 cudaGetErrorString(cudaGetLastError()));
			known = 0;
		}
		if (e != cudaSuccess)
			snprintf(cuda_what, sizeof cuda_what, "cudaGetDeviceCount: %s", cudaGetErrorString(e));
		else if (n < 1)
			snprintf(cuda_what, sizeof cuda_what, "cudaGetDeviceCount: 0 devices");
		(void)cudaGetLastError();   /* leave no error behind for the next call */
	}
	return known;
}

extern "C" const char *pt_cuda_describe(void)
{
	static int described;
	if (pt_cuda_available() && !described) {
		int dev = 0, n = 0;
		cudaDeviceProp prop;
		if (cudaGetDevice(&dev) == cudaSuccess && cudaGetDeviceCount(&n) == cudaSuccess &&
		    cudaGetDeviceProperties(&prop, dev) == cudaSuccess)
			snprintf(cuda_what, sizeof cuda_what, "%s, device %d of %d", prop.name, dev, n);
		else
			snprintf(cuda_what, sizeof cuda_what, "a CUDA device");
		(void)cudaGetLastError();
		described = 1;
	}
	return cuda_what;
}

extern "C" const pt_backend *pt_cuda_backend_get(void)
{
	return pt_cuda_available() ? &pt_cuda_backend : NULL;
}

static cublasHandle_t blas_handle;

cublasHandle_t cuda_blas(void)
{
	if (!blas_handle) {
		CUBLAS_CHECK(cublasCreate(&blas_handle));
		/* plain fp32 products (no TF32, no reduced precision) for parity with the CPU */
		CUBLAS_CHECK(cublasSetMathMode(blas_handle, CUBLAS_DEFAULT_MATH));
		CUBLAS_CHECK(cublasSetPointerMode(blas_handle, CUBLAS_POINTER_MODE_HOST));
	}
	return blas_handle;
}

extern "C" const pt_backend pt_cuda_backend = {
	/* .name = */ "cuda",
	/* .is_host = */ 0,
	/* .bf16_weights = */ 0,
	/* .alloc = */ cu_alloc,
	/* .release = */ cu_release,
	/* .to_device = */ cu_to_device,
	/* .to_host = */ cu_to_host,
	/* .fill = */ cu_fill,
	/* .fill_normal = */ cu_fill_normal,
	/* .embedding_forward = */ cu_embedding_forward,
	/* .embedding_backward = */ cu_embedding_backward,
	/* .rows_gather = */ cu_rows_gather,
	/* .rows_scatter = */ cu_rows_scatter,
	/* .layernorm_forward = */ cu_layernorm_forward,
	/* .layernorm_backward = */ cu_layernorm_backward,
	/* .matmul_forward = */ cu_matmul_forward,
	/* .matmul_backward = */ cu_matmul_backward,
	/* .attention_forward = */ cu_attention_forward,
	/* .attention_backward = */ cu_attention_backward,
	/* .gelu_forward = */ cu_gelu_forward,
	/* .gelu_backward = */ cu_gelu_backward,
	/* .dropout_forward = */ cu_dropout_forward,
	/* .dropout_backward = */ cu_dropout_backward,
	/* .pooler_forward = */ cu_pooler_forward,
	/* .pooler_backward = */ cu_pooler_backward,
	/* .crossentropy_forward = */ cu_crossentropy_forward,
	/* .crossentropy_backward = */ cu_crossentropy_backward,
	/* .mse_forward = */ cu_mse_forward,
	/* .mse_backward = */ cu_mse_backward,
	/* .sumsq = */ cu_sumsq,
	/* .scale = */ cu_scale,
	/* .adamw_update = */ cu_adamw_update,
	/* .round_bf16 = */ NULL,
};
