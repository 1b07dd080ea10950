/* CPU backend: multi-head self-attention. Per (batch, head) the products are
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

void cpu_attention_forward(float *ctx, float *att, float *att_drop, const float *q, const float *k,
			   const float *v, const int32_t *mask, int B, int T, int C, int NH,
			   float p, uint64_t seed, uint64_t stream)
{
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
		/* + (1 - mask) * finfo(float32).min, then softmax over the last axis */
		const int32_t *mk = mask + (size_t)b * T;
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
		/* softmax backward: d = a * (da - sum(a * da)) */
		for (int i = 0; i < T; i++) {
			const float *a = A + (size_t)i * T;
			float *da = D + (size_t)i * T;
			float dot = cpu_vdot(a, da, T);
			#pragma omp simd
			for (int j = 0; j < T; j++)
				da[j] = a[j] * (da[j] - dot);
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, scale, D, T,
			    k + off, C, 0.0f, dq + off, C);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, scale, D, T,
			    q + off, C, 0.0f, dk + off, C);
	}
}
