/* CPU backend: nn.Linear (and the pooler) on cpu_sgemm (gemm.c). */
#include "backend/cpu/ops.h"

#include <math.h>
#include <string.h>

/* out rows = bias, then out += inp @ w^T in one sgemm (beta = 1) */
static void linear(float *out, int ldo, const float *inp, int ldi, const float *w, const float *bias,
		   int N, int C, int OC)
{
	if (bias)
		cpu_sgemm_bias(0, 1, N, OC, C, inp, ldi, w, C, bias, out, ldo);
	else
		cpu_sgemm(0, 1, N, OC, C, 1.0f, inp, ldi, w, C, 0.0f, out, ldo);
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

void cpu_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int C, int OC)
{
	linear(out, OC, inp, C, w, bias, N, C, OC);
}

void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
			 const float *inp, const float *w, int N, int C, int OC, int accumulate)
{
	if (dinp)
		cpu_sgemm(0, 0, N, C, OC, 1.0f, dout, OC, w, C, accumulate ? 1.0f : 0.0f, dinp, C);
	cpu_sgemm(1, 0, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f, dw, C);
	if (dbias)
		colsum_add(dbias, dout, N, OC);
}

void cpu_pooler_forward(float *out, const float *hidden, const float *w, const float *b, int B, int T, int C)
{
	/* the [CLS] rows are hidden[b, 0, :]: a strided view with leading dimension T*C */
	linear(out, C, hidden, T * C, w, b, B, C, C);
	for (int i = 0; i < B * C; i++)
		out[i] = tanhf(out[i]);
}

void cpu_pooler_backward(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
			 const float *out, const float *w, int B, int T, int C)
{
	for (int i = 0; i < B * C; i++)
		dout[i] *= 1.0f - out[i] * out[i];
	cpu_sgemm(1, 0, C, C, B, 1.0f, dout, C, hidden, T * C, 1.0f, dw, C);
	colsum_add(db, dout, B, C);
	memset(dhidden, 0, sizeof(float) * (size_t)B * T * C);
	cpu_sgemm(0, 0, B, C, C, 1.0f, dout, C, w, C, 0.0f, dhidden, T * C);
}
