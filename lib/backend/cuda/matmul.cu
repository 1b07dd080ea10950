/* CUDA backend: nn.Linear and the pooler on cuBLAS sgemm, written as the
 * CPU backend's cblas calls one for one (lib/backend/cpu/matmul.c). */
#include "backend/cuda/common.cuh"
#include "backend/cuda/cuda.h"

/* The products' precision (pt_cuda_set_precision): fp32 tensors in and
 * out always, and the compute type says what the tensor cores may do with
 * them: nothing (plain fp32, as the CPU), TF32, or round the inputs to bf16
 * / fp16 and accumulate in fp32 (cuBLAS's "fast" compute types). */
static cublasComputeType_t compute_type = CUBLAS_COMPUTE_32F;

extern "C" void pt_cuda_set_precision(pt_precision p)
{
	switch (p) {
	case PT_FP32: compute_type = CUBLAS_COMPUTE_32F; break;
	case PT_TF32: compute_type = CUBLAS_COMPUTE_32F_FAST_TF32; break;
	case PT_BF16: compute_type = CUBLAS_COMPUTE_32F_FAST_16BF; break;
	case PT_FP16: compute_type = CUBLAS_COMPUTE_32F_FAST_16F; break;
	}
}

/* cuBLAS is column-major: a row-major X[r,c] with row stride ld is the
 * column-major X^T with leading dimension ld, so C = op(A) op(B) in row-major
 * is C^T = op(B)^T op(A)^T: swap the operands and M with N. */
void cuda_sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float *A, int lda,
		const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	CUBLAS_CHECK(cublasGemmEx(cuda_blas(), transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
				  N, M, K, &alpha, B, CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta, C, CUDA_R_32F, ldc,
				  compute_type, CUBLAS_GEMM_DEFAULT));
}

void cuda_sgemm_batched(bool transA, bool transB, int M, int N, int K, float alpha,
			const float *A, int lda, long long sA, const float *B, int ldb, long long sB,
			float beta, float *C, int ldc, long long sC, int count)
{
	if (M <= 0 || N <= 0 || count <= 0)
		return;
	CUBLAS_CHECK(cublasGemmStridedBatchedEx(cuda_blas(), transB ? CUBLAS_OP_T : CUBLAS_OP_N,
						transA ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, CUDA_R_32F, ldb, sB,
						A, CUDA_R_32F, lda, sA, &beta, C, CUDA_R_32F, ldc, sC, count,
						compute_type, CUBLAS_GEMM_DEFAULT));
}

/* out[i, o] = bias[o] for N rows of stride ldo */
static __global__ void bias_rows_kernel(float *out, int ldo, const float *bias, int N, int OC)
{
	size_t n = (size_t)N * OC;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		out[(i / OC) * ldo + i % OC] = bias[i % OC];
}

/* out rows = bias, then out += inp @ w^T in one sgemm (beta = 1), as the CPU */
static void linear(float *out, int ldo, const float *inp, int ldi, const float *w, const float *bias,
		   int N, int C, int OC)
{
	float beta = 0;
	if (bias) {
		bias_rows_kernel<<<cuda_grid((size_t)N * OC), PT_THREADS>>>(out, ldo, bias, N, OC);
		LAUNCH_CHECK(bias_rows_kernel);
		beta = 1;
	}
	cuda_sgemm(false, true, N, OC, C, 1.0f, inp, ldi, w, C, beta, out, ldo);
}

/* db[o] += sum over rows of d[i, o], rows in order (the CPU's summation
 * order, and deterministic): one thread per column. */
static __global__ void colsum_add_kernel(float *db, const float *d, int N, int OC)
{
	int o = blockIdx.x * blockDim.x + threadIdx.x;
	if (o >= OC)
		return;
	float s = db[o];
	for (int i = 0; i < N; i++)
		s += d[(size_t)i * OC + o];
	db[o] = s;
}

static void colsum_add(float *db, const float *d, int N, int OC)
{
	colsum_add_kernel<<<cuda_grid(OC), PT_THREADS>>>(db, d, N, OC);
	LAUNCH_CHECK(colsum_add_kernel);
}

/* w16 and p16 (backend.h): this backend has cuBLAS round w itself (bf16_weights 0) */
void cu_matmul_forward(float *out, const float *inp, const float *w, const uint16_t *, const float *bias,
		       int N, int C, int OC)
{
	linear(out, OC, inp, C, w, bias, N, C, OC);
}

void cu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
			const float *inp, const float *w, const uint16_t *, int N, int C, int OC, int accumulate)
{
	if (dinp)
		cuda_sgemm(false, false, N, C, OC, 1.0f, dout, OC, w, C, accumulate ? 1.0f : 0.0f, dinp, C);
	cuda_sgemm(true, false, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f, dw, C);
	if (dbias)
		colsum_add(dbias, dout, N, OC);
}

static __global__ void tanh_kernel(float *x, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		x[i] = tanhf(x[i]);
}

void cu_pooler_forward(float *out, const float *hidden, const float *w, const uint16_t *, const float *b,
		       int B, int T, int C)
{
	/* the [CLS] rows are hidden[b, 0, :]: a strided view with leading dimension T*C */
	linear(out, C, hidden, T * C, w, b, B, C, C);
	size_t n = (size_t)B * C;
	tanh_kernel<<<cuda_grid(n), PT_THREADS>>>(out, n);
	LAUNCH_CHECK(tanh_kernel);
}

static __global__ void tanh_backward_kernel(float *dout, const float *out, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		dout[i] *= 1.0f - out[i] * out[i];
}

void cu_pooler_backward(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
			const float *out, const float *w, const uint16_t *, int B, int T, int C)
{
	size_t n = (size_t)B * C;
	tanh_backward_kernel<<<cuda_grid(n), PT_THREADS>>>(dout, out, n);
	LAUNCH_CHECK(tanh_backward_kernel);
	cuda_sgemm(true, false, C, C, B, 1.0f, dout, C, hidden, T * C, 1.0f, dw, C);
	colsum_add(db, dout, B, C);
	CUDA_CHECK(cudaMemset(dhidden, 0, sizeof(float) * (size_t)B * T * C));
	cuda_sgemm(false, false, B, C, C, 1.0f, dout, C, w, C, 0.0f, dhidden, T * C);
}
