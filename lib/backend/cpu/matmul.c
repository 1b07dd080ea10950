/* CPU backend: nn.Linear (and the pooler) on cpu_sgemm (gemm.c), or in
 * bf16 on cpu_gemm_bf16 (bf16.c): the activations are rounded into bf16
 * scratch just before each product, the weights come from their bf16
 * copy (w16). */
#include "backend/cpu/ops.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* bf16 products with a row count that changes from batch to batch (the
 * packed tokens) run as a bulk of whole ROWS-row blocks and one ROWS-row
 * tail, so that a run needs a few primitives per layer shape, not one per
 * batch: the bf16 copies of such operands are zero-padded to a multiple of
 * ROWS rows (padded_rows), the tail is computed in fp32 scratch and its
 * real rows copied out. Zero rows add exact zeros to a sum over rows. */
#define ROWS 32

static int padded_rows(int n)
{
	return (n + ROWS - 1) / ROWS * ROWS;
}

/* dst [padded_rows(rows), cols] = bf16 of src's rows (leading dimension
 * ld), then zero rows */
static uint16_t *rows_bf16(int slot, const float *src, int rows, int cols, int ld)
{
	size_t n = (size_t)padded_rows(rows) * cols;
	uint16_t *d = cpu_bf16_scratch(slot, n);
	cpu_to_bf16_rows(d, src, rows, cols, ld);
	memset(d + (size_t)rows * cols, 0, sizeof(uint16_t) * (n - (size_t)rows * cols));
	return d;
}

/* C [M,N] (leading dimension ldc) = (or += when accumulate) A @ op(B):
 * A [padded_rows(M), K] bf16 packed and zero-padded, B as cpu_gemm_bf16 */
static void gemm_rows(int M, int N, int K, const uint16_t *A, const uint16_t *B, int transB, int ldb,
		      int accumulate, float *C, int ldc)
{
	static float *tail;
	static size_t cap;
	int bulk = M - M % ROWS, r = M % ROWS;
	if (bulk)
		cpu_gemm_bf16(0, transB, bulk, N, K, 1.0f, A, K, B, ldb, accumulate, C, ldc);
	if (!r)
		return;
	if ((size_t)ROWS * N > cap) {
		free(tail);
		cap = (size_t)ROWS * N;
		tail = pt_calloc(cap, sizeof(float));
	}
	float *c = C + (size_t)bulk * ldc;
	if (accumulate)
		for (int i = 0; i < r; i++)
			memcpy(tail + (size_t)i * N, c + (size_t)i * ldc, sizeof(float) * N);
	cpu_gemm_bf16(0, transB, ROWS, N, K, 1.0f, A + (size_t)bulk * K, K, B, ldb, accumulate, tail, N);
	for (int i = 0; i < r; i++)
		memcpy(c + (size_t)i * ldc, tail + (size_t)i * N, sizeof(float) * N);
}

/* w in bf16: the shadow w16 when there is one, else rounded into scratch */
static const uint16_t *weight_bf16(const float *w, const uint16_t *w16, size_t n)
{
	if (w16)
		return w16;
	uint16_t *t = cpu_bf16_scratch(2, n);
	cpu_to_bf16(t, w, n);
	return t;
}

/* out = inp @ w^T (+ bias rows: out rows = bias, then out += the product) */
static void linear(float *out, int ldo, const float *inp, int ldi, const float *w, const uint16_t *w16,
		   const float *bias, int N, int C, int OC)
{
	if (cpu_bf16_mode) {
		if (bias) {
			#pragma omp parallel for schedule(static) if ((long)N * OC >= (1 << 16))
			for (int i = 0; i < N; i++)
				memcpy(out + (size_t)i * ldo, bias, sizeof(float) * OC);
		}
		const uint16_t *x = rows_bf16(0, inp, N, C, ldi);
		gemm_rows(N, OC, C, x, weight_bf16(w, w16, (size_t)OC * C), 1, C, bias != NULL, out, ldo);
	} else if (bias)
		cpu_sgemm_bias(0, 1, N, OC, C, inp, ldi, w, C, bias, out, ldo);
	else
		cpu_sgemm(0, 1, N, OC, C, 1.0f, inp, ldi, w, C, 0.0f, out, ldo);
}

/* dinp [N,C] (leading dimension ldd) = (or += when accumulate) dout @ w,
 * dw [OC,C] += dout^T @ inp (inp's leading dimension ldi); dinp may be NULL */
static void linear_backward(float *dinp, int ldd, float *dw, const float *dout, const float *inp, int ldi,
			    const float *w, const uint16_t *w16, int N, int C, int OC, int accumulate)
{
	if (cpu_bf16_mode) {
		const uint16_t *d = rows_bf16(0, dout, N, OC, OC), *x = rows_bf16(1, inp, N, C, ldi);
		if (dinp)
			gemm_rows(N, C, OC, d, weight_bf16(w, w16, (size_t)OC * C), 0, C, accumulate, dinp, ldd);
		cpu_gemm_bf16(1, 0, OC, C, padded_rows(N), 1.0f, d, OC, x, C, 1, dw, C);
		return;
	}
	if (dinp)
		cpu_sgemm(0, 0, N, C, OC, 1.0f, dout, OC, w, C, accumulate ? 1.0f : 0.0f, dinp, ldd);
	cpu_sgemm(1, 0, OC, C, N, 1.0f, dout, OC, inp, ldi, 1.0f, dw, C);
}

/* db[o] += sum over rows of d[i, o], rows in order (vectorised across o:
 * the same bits) */
static void colsum_add(float *db, const float *d, int N, int OC)
{
	for (int i = 0; i < N; i++) {
		const float *r = d + (size_t)i * OC;
		#pragma omp simd
		for (int o = 0; o < OC; o++)
			db[o] += r[o];
	}
}

void cpu_matmul_forward(float *out, const float *inp, const float *w, const uint16_t *w16, const float *bias,
			int N, int C, int OC)
{
	linear(out, OC, inp, C, w, w16, bias, N, C, OC);
}

void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
			 const float *inp, const float *w, const uint16_t *w16, int N, int C, int OC, int accumulate)
{
	linear_backward(dinp, C, dw, dout, inp, C, w, w16, N, C, OC, accumulate);
	if (dbias)
		colsum_add(dbias, dout, N, OC);
}

void cpu_pooler_forward(float *out, const float *hidden, const float *w, const uint16_t *w16, const float *b,
			int B, int T, int C)
{
	/* the [CLS] rows are hidden[b, 0, :]: a strided view with leading dimension T*C */
	linear(out, C, hidden, T * C, w, w16, b, B, C, C);
	for (int i = 0; i < B * C; i++)
		out[i] = tanhf(out[i]);
}

void cpu_pooler_backward(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
			 const float *out, const float *w, const uint16_t *w16, int B, int T, int C)
{
	for (int i = 0; i < B * C; i++)
		dout[i] *= 1.0f - out[i] * out[i];
	memset(dhidden, 0, sizeof(float) * (size_t)B * T * C);
	linear_backward(dhidden, T * C, dw, dout, hidden, T * C, w, w16, B, C, C, 0);
	colsum_add(db, dout, B, C);
}
