/* Internal to lib/backend/cuda/: error checks, launch helpers, the cuBLAS handle,
 * scratch memory, and the kernels' entry points behind pt_cuda_backend. */
#ifndef PT_CUDA_COMMON_CUH
#define PT_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/cuda/cuda.h"

/* Prints "PROG: file:line: call: what" on stderr and exits 1. */
[[noreturn]] void cuda_fail(const char *file, int line, const char *call, const char *what);

/* Dies naming what (a string) when the CUDA call returns an error. */
#define CUDA_CHECK_AS(call, what)                                                  \
	do {                                                                       \
		cudaError_t e_ = (call);                                           \
		if (e_ != cudaSuccess)                                             \
			cuda_fail(__FILE__, __LINE__, what, cudaGetErrorString(e_)); \
	} while (0)
#define CUDA_CHECK(call) CUDA_CHECK_AS(call, #call)

#define CUBLAS_CHECK(call)                                                            \
	do {                                                                          \
		cublasStatus_t s_ = (call);                                           \
		if (s_ != CUBLAS_STATUS_SUCCESS)                                      \
			cuda_fail(__FILE__, __LINE__, #call, cublasGetStatusString(s_)); \
	} while (0)

/* After a launch of kernel name: a bad launch configuration dies at its
 * site, naming the kernel ("PROG: file:line: launch of name: what"). */
#define LAUNCH_CHECK(name) CUDA_CHECK_AS(cudaGetLastError(), "launch of " #name)

/* Threads per block of the elementwise kernels, and a grid that covers n
 * elements (grid-stride loops inside cover the rest beyond the cap). */
#define PT_THREADS 256
static inline unsigned cuda_grid(size_t n, unsigned threads = PT_THREADS)
{
	size_t g = (n + threads - 1) / threads;
	if (g == 0)
		g = 1;
	return g > 65535u * 8u ? 65535u * 8u : (unsigned)g;
}

/* Row kernels (softmax, LayerNorm): one warp per row, ROWS_PER_BLOCK rows a
 * block of PT_THREADS; row_grid(rows) blocks cover them; warp_sum is the
 * sum over the warp's 32 lanes, in a fixed order, on every lane. */
#define ROWS_PER_BLOCK (PT_THREADS / 32)
static inline unsigned row_grid(size_t rows)
{
	return (unsigned)((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
}
static __device__ __forceinline__ float warp_sum(float v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

/* The process's cuBLAS handle (created on first use, fp32 math, no TF32). */
cublasHandle_t cuda_blas(void);

/* Device scratch of at least bytes, reused by the next call: valid until
 * the next cuda_scratch() call. */
void *cuda_scratch(size_t bytes);

/* Row-major sgemm with cblas_sgemm(CblasRowMajor, ...) semantics:
 * C[M,N] = alpha op(A) op(B) + beta C, lda/ldb/ldc row strides. */
void cuda_sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float *A, int lda,
		const float *B, int ldb, float beta, float *C, int ldc);
/* The same for count products, the i-th at A + i*sA, B + i*sB, C + i*sC. */
void cuda_sgemm_batched(bool transA, bool transB, int M, int N, int K, float alpha,
			const float *A, int lda, long long sA, const float *B, int ldb, long long sB,
			float beta, float *C, int ldc, long long sC, int count);

/* The ops of pt_cuda_backend (lib/backend/backend.h documents each). */
void *cu_alloc(size_t bytes);
void cu_release(void *p);
void cu_to_device(void *dst, const void *host_src, size_t bytes);
void cu_to_host(void *host_dst, const void *src, size_t bytes);
void cu_fill(float *x, size_t n, float v);
void cu_fill_normal(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream);

void cu_embedding_forward(float *out, const int32_t *ids, const int32_t *tt,
			  const float *wte, const float *wpe, const float *wtt, int B, int T, int C);
void cu_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
			   const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C);

void cu_rows_gather(float *out, const float *inp, const int32_t *rows, int N, int C);
void cu_rows_scatter(float *out, const float *inp, const int32_t *rows, int N, int M, int C);
void cu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			  const float *w, const float *b, int N, int C, float eps);
void cu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
			   const float *inp, const float *w, const float *mean, const float *rstd, int N, int C);

void cu_matmul_forward(float *out, const float *inp, const float *w, const uint16_t *w16, const float *bias,
		       int N, int C, int OC);
void cu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
			const float *inp, const float *w, const uint16_t *w16, int N, int C, int OC, int accumulate);
void cu_pooler_forward(float *out, const float *hidden, const float *w, const uint16_t *w16, const float *b,
		       int B, int T, int C);
void cu_pooler_backward(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
			const float *out, const float *w, const uint16_t *w16, int B, int T, int C);

void cu_attention_forward(float *ctx, float *att, float *att_drop, const float *q, const float *k,
			  const float *v, const int32_t *mask, int B, int T, int C, int NH,
			  float p, uint64_t seed, uint64_t stream);
void cu_attention_backward(float *dq, float *dk, float *dv, float *datt, const float *dctx,
			   const float *att, const float *att_drop, const float *q, const float *k,
			   const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream);

void cu_gelu_forward(float *out, const float *inp, size_t n);
void cu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);
void cu_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
			float p, uint64_t seed, uint64_t stream);
void cu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream);

float cu_crossentropy_forward(float *probs, const float *logits, const int32_t *labels, int B, int NL);
void cu_crossentropy_backward(float *dlogits, const float *probs, const int32_t *labels, int B, int NL);
float cu_mse_forward(const float *x, const float *y, int n);
void cu_mse_backward(float *dx, const float *x, const float *y, int n);

double cu_sumsq(const float *x, size_t n);
void cu_scale(float *x, size_t n, float s);
void cu_adamw_update(float *p, uint16_t *p16, const float *g, float gscale, float *m, float *v, size_t n,
		     float lr, float beta1, float beta2, float eps, float wd, int64_t t);

#endif
