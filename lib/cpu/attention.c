/* CPU backend: multi-head self-attention. Per (batch, head) the products are
 * sgemm calls on strided views of q, k, v [B,T,C] (leading dimension C), so
 * nothing is transposed or copied; softmax and dropout are OpenMP loops. */
#include "cpu/ops.h"

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
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			size_t off = (size_t)b * T * C + (size_t)h * hd;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, scale, q + off, C,
				    k + off, C, 0.0f, att + ((size_t)b * NH + h) * TT, T);
		}
	/* + (1 - mask) * finfo(float32).min, then softmax over the last axis */
	#pragma omp parallel for schedule(static)
	for (size_t r = 0; r < (size_t)B * NH * T; r++) {
		float *a = att + r * T;
		const int32_t *mk = mask + (r / ((size_t)NH * T)) * T;
		float mx = -INFINITY;
		for (int j = 0; j < T; j++) {
			a[j] += mk[j] ? 0.0f : -FLT_MAX;
			mx = a[j] > mx ? a[j] : mx;
		}
		float sum = 0;
		for (int j = 0; j < T; j++) {
			a[j] = expf(a[j] - mx);
			sum += a[j];
		}
		float inv = 1.0f / sum;
		for (int j = 0; j < T; j++)
			a[j] *= inv;
	}
	if (att_drop != att || p > 0)
		cpu_dropout_forward(att_drop, att, NULL, (size_t)B * NH * TT, p, seed, stream);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			size_t off = (size_t)b * T * C + (size_t)h * hd;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, 1.0f,
				    att_drop + ((size_t)b * NH + h) * TT, T, v + off, C, 0.0f, ctx + off, C);
		}
}

void cpu_attention_backward(float *dq, float *dk, float *dv, float *datt, const float *dctx,
			    const float *att, const float *att_drop, const float *q, const float *k,
			    const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream)
{
	int hd = C / NH;
	float scale = 1.0f / sqrtf((float)hd);
	size_t TT = (size_t)T * T;
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			size_t off = (size_t)b * T * C + (size_t)h * hd;
			float *da = datt + ((size_t)b * NH + h) * TT;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, 1.0f, dctx + off, C,
				    v + off, C, 0.0f, da, T);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, 1.0f,
				    att_drop + ((size_t)b * NH + h) * TT, T, dctx + off, C, 0.0f, dv + off, C);
		}
	if (p > 0)
		cpu_dropout_backward(datt, datt, (size_t)B * NH * TT, p, seed, stream);
	/* softmax backward: d = a * (da - sum(a * da)) */
	#pragma omp parallel for schedule(static)
	for (size_t r = 0; r < (size_t)B * NH * T; r++) {
		const float *a = att + r * T;
		float *da = datt + r * T;
		float dot = 0;
		for (int j = 0; j < T; j++)
			dot += a[j] * da[j];
		for (int j = 0; j < T; j++)
			da[j] = a[j] * (da[j] - dot);
	}
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			size_t off = (size_t)b * T * C + (size_t)h * hd;
			const float *da = datt + ((size_t)b * NH + h) * TT;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, scale, da, T,
				    k + off, C, 0.0f, dq + off, C);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, scale, da, T,
				    q + off, C, 0.0f, dk + off, C);
		}
}
