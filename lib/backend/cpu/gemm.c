/* CPU backend: every matrix product goes through cpu_sgemm, which shares one
 * sgemm among the OpenMP threads itself, with OpenBLAS kept single-threaded.
 *
 * Why: OpenBLAS's own thread pool and the OpenMP team that runs the other
 * ops (LayerNorm, GELU, dropout, attention) are two sets of threads on the
 * same cores. Between sgemm calls OpenBLAS's idle workers spin on
 * sched_yield and take CPU from the OpenMP threads; on MiniLM-sized layers
 * (hidden 384) that was ~20% of a training step. With one pool the step is
 * faster, and the thread count is set by OMP_NUM_THREADS alone. */
#include "backend/cpu/ops.h"

#include <cblas.h>
#include <omp.h>
#include <string.h>

void cpu_blas_serial(void)
{
	if (openblas_get_num_threads() > 1)
		openblas_set_num_threads(1);
}

/* Below this many multiply-adds a product runs on one thread: waking the
 * team costs more than it saves. */
#define GEMM_PAR_MIN (1L << 18)
/* Block boundaries fall on multiples of this (OpenBLAS's register tiles). */
#define GEMM_ALIGN 16

/* chunk [*lo, *hi) of n for thread t of nt, boundaries on GEMM_ALIGN */
static void split(int n, int t, int nt, int *lo, int *hi)
{
	int blocks = (n + GEMM_ALIGN - 1) / GEMM_ALIGN;
	int b0 = (int)((long)blocks * t / nt), b1 = (int)((long)blocks * (t + 1) / nt);
	*lo = b0 * GEMM_ALIGN < n ? b0 * GEMM_ALIGN : n;
	*hi = b1 * GEMM_ALIGN < n ? b1 * GEMM_ALIGN : n;
}

/* C rows [r0, r1), columns [c0, c1) = bias[c0..c1) */
static void fill_bias(float *C, int ldc, const float *bias, int r0, int r1, int c0, int c1)
{
	for (int i = r0; i < r1; i++)
		memcpy(C + (size_t)i * ldc + c0, bias + c0, sizeof(float) * (size_t)(c1 - c0));
}

/* cpu_sgemm, and with bias (then beta is 1) each thread first sets its
 * block of C to the bias row: the copy runs on every thread, on the block
 * its product then reads, instead of serially before the product. */
static void sgemm_split(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
			const float *B, int ldb, float beta, const float *bias, float *C, int ldc)
{
	enum CBLAS_TRANSPOSE ta = transA ? CblasTrans : CblasNoTrans;
	enum CBLAS_TRANSPOSE tb = transB ? CblasTrans : CblasNoTrans;
	int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
	cpu_blas_serial();
	if (nt <= 1 || (long)M * N * K < GEMM_PAR_MIN) {
		if (bias)
			fill_bias(C, ldc, bias, 0, M, 0, N);
		cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
		return;
	}
	int by_rows = M >= N;
	#pragma omp parallel num_threads(nt)
	{
		int lo, hi;
		split(by_rows ? M : N, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (hi > lo && by_rows) { /* rows lo..hi of op(A) and of C */
			if (bias)
				fill_bias(C, ldc, bias, lo, hi, 0, N);
			cblas_sgemm(CblasRowMajor, ta, tb, hi - lo, N, K, alpha,
				    A + (transA ? (size_t)lo : (size_t)lo * lda), lda, B, ldb, beta,
				    C + (size_t)lo * ldc, ldc);
		} else if (hi > lo) { /* columns lo..hi of op(B) and of C */
			if (bias)
				fill_bias(C, ldc, bias, 0, M, lo, hi);
			cblas_sgemm(CblasRowMajor, ta, tb, M, hi - lo, K, alpha, A, lda,
				    B + (transB ? (size_t)lo * ldb : (size_t)lo), ldb, beta, C + lo, ldc);
		}
	}
}

/* C[M,N] = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm. The
 * output is cut into row blocks (when M >= N: each thread packs its rows of
 * A and all of B) or column blocks (M < N), never along K. The blocks are
 * fixed by the sizes and the thread count, so a run is reproducible; as
 * with OpenBLAS's own threads, another thread count may round some
 * elements differently (OpenBLAS picks its inner kernels by block size).
 * Called inside a parallel region it runs on the calling thread alone. */
void cpu_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
	       const float *B, int ldb, float beta, float *C, int ldc)
{
	sgemm_split(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, NULL, C, ldc);
}

void cpu_sgemm_bias(int transA, int transB, int M, int N, int K, const float *A, int lda,
		    const float *B, int ldb, const float *bias, float *C, int ldc)
{
	sgemm_split(transA, transB, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, bias, C, ldc);
}
