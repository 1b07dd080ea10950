/* CPU backend: multi-head self-attention (bf16: attention_forward_bf16). Per (batch, head) the products are
 * sgemm calls on strided views of q, k, v [B,T,C] (leading dimension C), so
 * nothing is transposed or copied. The (batch, head) pairs are spread over
 * the OpenMP threads, each running its small sgemms single-threaded
 * (OpenBLAS is kept single-threaded: see gemm.c), with
 * the softmax and dropout of that pair done in the same pass while it is
 * in cache. Every element is computed exactly as by one sgemm per pair and
 * row-wise loops, so the thread count does not change the results. */
#include "backend/cpu/ops.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* A [T,T] += (1 - mask) * finfo(float32).min, then softmax over the last axis */
static void mask_softmax(float *A, const int32_t *mk, int T)
{
	for (int i = 0; i < T; i++) {
		float *a = A + (size_t)i * T;
		float mx = -INFINITY;   /* a max: exact in any order, so vectorised */
		#pragma omp simd reduction(max : mx)
		for (int j = 0; j < T; j++) {
			a[j] += mk[j] ? 0.0f : -FLT_MAX;
			mx = a[j] > mx ? a[j] : mx;
		}
		#pragma omp simd
		for (int j = 0; j < T; j++)
			a[j] -= mx;
		cpu_vexpf(a, T);
		float inv = 1.0f / cpu_vsum(a, T);
		#pragma omp simd
		for (int j = 0; j < T; j++)
			a[j] *= inv;
	}
}

/* softmax backward over the rows of A [T,T]: D = A * (D - rowsum(A * D)) */
static void softmax_backward(float *D, const float *A, int T)
{
	for (int i = 0; i < T; i++) {
		const float *a = A + (size_t)i * T;
		float *da = D + (size_t)i * T;
		float dot = cpu_vdot(a, da, T);
		#pragma omp simd
		for (int j = 0; j < T; j++)
			da[j] = a[j] * (da[j] - dot);
	}
}

/* Operands of the batched products over the (batch, head) pairs: per pair
 * a [T,T] matrix of a [B,NH,T,T] array (PAIRS), or a head's hd columns of
 * a [B,T,C] array (HEADS); trans: read transposed. */
enum { PAIRS, HEADS };
static void strides(int64_t s[4], int kind, int trans, int T, int C, int NH)
{
	int64_t TT = (int64_t)T * T;
	int64_t row = kind == PAIRS ? T : C;
	s[0] = kind == PAIRS ? NH * TT : (int64_t)T * C;
	s[1] = kind == PAIRS ? TT : C / NH;
	s[2] = trans ? 1 : row;
	s[3] = trans ? row : 1;
}

/* out = alpha * a @ b for every (batch, head) pair, M x N x K each */
static void heads_bf16(float *out, int okind, const uint16_t *a, int akind, int atrans, const uint16_t *b,
		       int bkind, int btrans, int M, int N, int K, float alpha, int B, int T, int C, int NH)
{
	cpu_bmm_shape sh;
	memset(&sh, 0, sizeof sh);   /* the padding too: shapes are compared as bytes */
	sh.batch[0] = B;
	sh.batch[1] = NH;
	sh.M = M;
	sh.N = N;
	sh.K = K;
	sh.alpha = alpha;
	strides(sh.sa, akind, atrans, T, C, NH);
	strides(sh.sb, bkind, btrans, T, C, NH);
	strides(sh.sc, okind, 0, T, C, NH);
	cpu_bmm_bf16(&sh, a, b, out);
}

/* bf16: each of the products is one batched product over every (batch,
 * head) pair, its operands rounded into bf16 scratch (slots: 0 q or dctx,
 * 1 k, 2 v, 3 the probabilities or their gradient, 4 q in the backward
 * pass); mask, softmax and dropout in fp32 between them, as in fp32. */
static void attention_forward_bf16(float *ctx, float *att, float *att_drop, const float *q, const float *k,
				   const float *v, const int32_t *mask, int B, int T, int C, int NH,
				   float p, uint64_t seed, uint64_t stream)
{
	int hd = C / NH;
	size_t n = (size_t)B * T * C, TT = (size_t)T * T;
	uint16_t *q16 = cpu_bf16_scratch(0, n), *k16 = cpu_bf16_scratch(1, n), *v16 = cpu_bf16_scratch(2, n);
	uint16_t *a16 = cpu_bf16_scratch(3, (size_t)B * NH * TT);
	cpu_to_bf16(q16, q, n);
	cpu_to_bf16(k16, k, n);
	cpu_to_bf16(v16, v, n);
	heads_bf16(att, PAIRS, q16, HEADS, 0, k16, HEADS, 1, T, T, hd, 1.0f / sqrtf((float)hd), B, T, C, NH);
	int drop = p > 0;
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		float *A = att + (size_t)bh * TT;
		mask_softmax(A, mask + (size_t)(bh / NH) * T, T);
		if (drop)
			cpu_dropout_range(att_drop, att, (size_t)bh * TT, (size_t)(bh + 1) * TT, p, seed, stream);
		else if (att_drop != att)
			memcpy(att_drop + (size_t)bh * TT, A, sizeof(float) * TT);
		cpu_to_bf16(a16 + (size_t)bh * TT, att_drop + (size_t)bh * TT, TT);
	}
	heads_bf16(ctx, HEADS, a16, PAIRS, 0, v16, HEADS, 0, T, hd, T, 1.0f, B, T, C, NH);
}

static void attention_backward_bf16(float *dq, float *dk, float *dv, float *datt, const float *dctx,
				    const float *att, const float *att_drop, const float *q, const float *k,
				    const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream)
{
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	size_t n = (size_t)B * T * C, TT = (size_t)T * T, nA = (size_t)B * NH * TT;
	uint16_t *d16 = cpu_bf16_scratch(0, n), *k16 = cpu_bf16_scratch(1, n), *v16 = cpu_bf16_scratch(2, n);
	uint16_t *a16 = cpu_bf16_scratch(3, nA), *q16 = cpu_bf16_scratch(4, n);
	cpu_to_bf16(d16, dctx, n);
	cpu_to_bf16(v16, v, n);
	cpu_to_bf16(a16, att_drop, nA);
	heads_bf16(datt, PAIRS, d16, HEADS, 0, v16, HEADS, 1, T, T, hd, 1.0f, B, T, C, NH);
	heads_bf16(dv, HEADS, a16, PAIRS, 1, d16, HEADS, 0, T, hd, T, 1.0f, B, T, C, NH);
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		float *D = datt + (size_t)bh * TT;
		if (p > 0)
			cpu_dropout_range(datt, datt, (size_t)bh * TT, (size_t)(bh + 1) * TT, p, seed, stream);
		softmax_backward(D, att + (size_t)bh * TT, T);
		/* d(q k^T) = scale * D, rounded as such (torch's matmul(q, k^T) * scale) */
		for (size_t i = 0; i < TT; i++)
			a16[(size_t)bh * TT + i] = pt_bf16_round(D[i] * scale);
	}
	cpu_to_bf16(q16, q, n);
	cpu_to_bf16(k16, k, n);
	heads_bf16(dq, HEADS, a16, PAIRS, 0, k16, HEADS, 0, T, hd, T, 1.0f, B, T, C, NH);
	heads_bf16(dk, HEADS, a16, PAIRS, 1, q16, HEADS, 0, T, hd, T, 1.0f, B, T, C, NH);
}

void cpu_attention_forward(float *ctx, float *att, float *att_drop, const float *q, const float *k,
			   const float *v, const int32_t *mask, int B, int T, int C, int NH,
			   float p, uint64_t seed, uint64_t stream)
{
	if (cpu_bf16_mode) {
		attention_forward_bf16(ctx, att, att_drop, q, k, v, mask, B, T, C, NH, p, seed, stream);
		return;
	}
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	size_t TT = (size_t)T * T;
	int drop = p > 0, copy = !drop && att_drop != att;
	cpu_blas_serial();
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		size_t off = (size_t)b * T * C + (size_t)h * hd;
		float *A = att + (size_t)bh * TT, *AD = att_drop + (size_t)bh * TT;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, scale, q + off, C,
			    k + off, C, 0.0f, A, T);
		mask_softmax(A, mask + (size_t)b * T, T);
		if (drop)
			cpu_dropout_range(att_drop, att, (size_t)bh * TT, (size_t)(bh + 1) * TT, p, seed, stream);
		else if (copy)
			for (size_t i = 0; i < TT; i++)
				AD[i] = A[i];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, 1.0f,
			    AD, T, v + off, C, 0.0f, ctx + off, C);
	}
}

void cpu_attention_backward(float *dq, float *dk, float *dv, float *datt, const float *dctx,
			    const float *att, const float *att_drop, const float *q, const float *k,
			    const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream)
{
	if (cpu_bf16_mode) {
		attention_backward_bf16(dq, dk, dv, datt, dctx, att, att_drop, q, k, v, B, T, C, NH, p, seed, stream);
		return;
	}
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	size_t TT = (size_t)T * T;
	cpu_blas_serial();
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		size_t off = (size_t)b * T * C + (size_t)h * hd;
		float *D = datt + (size_t)bh * TT;
		const float *A = att + (size_t)bh * TT;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, 1.0f, dctx + off, C,
			    v + off, C, 0.0f, D, T);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, 1.0f,
			    att_drop + (size_t)bh * TT, T, dctx + off, C, 0.0f, dv + off, C);
		if (p > 0)
			cpu_dropout_range(datt, datt, (size_t)bh * TT, (size_t)(bh + 1) * TT, p, seed, stream);
		softmax_backward(D, A, T);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, scale, D, T,
			    k + off, C, 0.0f, dq + off, C);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, scale, D, T,
			    q + off, C, 0.0f, dk + off, C);
	}
}
