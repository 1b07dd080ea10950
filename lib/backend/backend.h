/* backend: the op set the model is written in. bert.c and optim.c compute
 * pointers and offsets only; every read or write of tensor contents goes
 * through one of these ops, so a CUDA backend (lib/backend/cuda/) implementing the
 * same table runs the same model code. The CPU backend (lib/backend/cpu/) is the
 * reference: OpenBLAS sgemm for every matrix product, OpenMP loops for the
 * rest.
 *
 * Conventions: row-major; an activation [N, C] is N = B*T rows of C floats;
 * nn.Linear weights are [OC, C] (torch layout). "dX" arguments of backward
 * ops are written (=) unless the op says "added" (+=); parameter gradients
 * are always added. Dropout masks are never stored: element i of the mask
 * of a dropout site is pt_rng_uniform(seed, stream, i) >= p, scaled by
 * 1/(1-p), regenerated in the backward pass. */
#ifndef PT_BACKEND_H
#define PT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* The precision of the matrix products (--precision; lib/backend/device.h). The
 * CPU backend computes fp32 and bf16 (the latter through oneDNN, on CPUs with
 * AVX512-BF16 or AMX), the CUDA one all four. */
typedef enum { PT_FP32, PT_TF32, PT_BF16, PT_FP16 } pt_precision;

typedef struct pt_backend {
	const char *name;
	/* 1 when tensors live in host memory (the CPU may read and write them
	 * directly, and to_host/to_device are plain copies), 0 for device memory */
	int is_host;
	/* 1: in bf16 the matrix products read the weights' bf16 copies (the
	 * w16 arguments below: bf16(w), element for element) and adamw_update
	 * writes them (p16), so a model keeps such copies; 0: the backend
	 * rounds w itself and ignores w16 and p16 (pass NULL). */
	int bf16_weights;

	/* memory: zeroed allocation (dies on failure), release, copies */
	void *(*alloc)(size_t bytes);
	void (*release)(void *p);
	void (*to_device)(void *dst, const void *host_src, size_t bytes);
	void (*to_host)(void *host_dst, const void *src, size_t bytes);

	/* x[0..n) = v */
	void (*fill)(float *x, size_t n, float v);
	/* x[i] = mean + std * pt_rng_normal(seed, stream, i) */
	void (*fill_normal)(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream);

	/* out[b,t] = wte[ids[b,t]] + wtt[tt[b,t]] + wpe[t]   out [B,T,C]; ids, tt [B,T] */
	void (*embedding_forward)(float *out, const int32_t *ids, const int32_t *tt,
				  const float *wte, const float *wpe, const float *wtt, int B, int T, int C);
	/* dwte, dwpe, dwtt added; rows of wte for ids == pad_id get nothing (padding_idx) */
	void (*embedding_backward)(float *dwte, float *dwpe, float *dwtt, const float *dout,
				   const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C);

	/* Packing the tokens of a padded batch (rows: the padded row of each
	 * packed row, increasing; N <= M):
	 * rows_gather: out [N,C], out[i] = inp[rows[i]] for i < N; inp [M,C].
	 * rows_scatter: out [M,C] = 0, then out[rows[i]] = inp[i] for i < N.
	 * out never aliases inp. */
	void (*rows_gather)(float *out, const float *inp, const int32_t *rows, int N, int C);
	void (*rows_scatter)(float *out, const float *inp, const int32_t *rows, int N, int M, int C);

	/* out = (inp - mean) * rstd * w + b per row; mean, rstd [N] kept for backward */
	void (*layernorm_forward)(float *out, float *mean, float *rstd, const float *inp,
				  const float *w, const float *b, int N, int C, float eps);
	/* dinp written; dw, db added */
	void (*layernorm_backward)(float *dinp, float *dw, float *db, const float *dout,
				   const float *inp, const float *w, const float *mean, const float *rstd, int N, int C);

	/* out [N,OC] = inp [N,C] @ w[OC,C]^T + bias[OC] (bias may be NULL).
	 * w16: w in bf16 (see bf16_weights), or NULL. In bf16 every product
	 * (here and in attention and the pooler) rounds its inputs to bf16 and
	 * accumulates in fp32; the output and the bias stay fp32. */
	void (*matmul_forward)(float *out, const float *inp, const float *w, const uint16_t *w16,
			       const float *bias, int N, int C, int OC);
	/* dinp [N,C] = (or += when accumulate) dout @ w; dw += dout^T @ inp; dbias += colsum(dout) */
	void (*matmul_backward)(float *dinp, float *dw, float *dbias, const float *dout,
				const float *inp, const float *w, const uint16_t *w16, int N, int C, int OC,
				int accumulate);

	/* Multi-head self-attention on q, k, v [B,T,C] (NH heads of C/NH):
	 * att [B,NH,T,T] = softmax(q k^T / sqrt(hd) + (1-mask) * FLT_MIN_NEG),
	 * att_drop = dropout(att, p, seed, stream) (att_drop may equal att when
	 * p == 0), ctx [B,T,C] = att_drop @ v. mask [B,T] (1 keep, 0 pad). */
	void (*attention_forward)(float *ctx, float *att, float *att_drop, const float *q, const float *k,
				  const float *v, const int32_t *mask, int B, int T, int C, int NH,
				  float p, uint64_t seed, uint64_t stream);
	/* dq, dk, dv written; datt [B,NH,T,T] is scratch */
	void (*attention_backward)(float *dq, float *dk, float *dv, float *datt, const float *dctx,
				   const float *att, const float *att_drop, const float *q, const float *k,
				   const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream);

	/* out = x * Phi(x) (exact erf GELU), n elements */
	void (*gelu_forward)(float *out, const float *inp, size_t n);
	/* dinp = dout * gelu'(inp); dinp may equal dout */
	void (*gelu_backward)(float *dinp, const float *inp, const float *dout, size_t n);

	/* out = dropout(inp) + (resid ? resid : 0); out may equal inp; p == 0 is the identity */
	void (*dropout_forward)(float *out, const float *inp, const float *resid, size_t n,
				float p, uint64_t seed, uint64_t stream);
	/* dinp = dout * mask / (1-p); dinp may equal dout */
	void (*dropout_backward)(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream);

	/* out [B,C] = tanh(hidden[:,0,:] @ w^T + b); hidden [B,T,C] */
	void (*pooler_forward)(float *out, const float *hidden, const float *w, const uint16_t *w16, const float *b,
			       int B, int T, int C);
	/* dhidden [B,T,C] written (zero but for t = 0); dw, db added; dout [B,C] is overwritten */
	void (*pooler_backward)(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
				const float *out, const float *w, const uint16_t *w16, int B, int T, int C);

	/* Mean cross-entropy of logits [B,NL] against labels [B] (label -100 is
	 * ignored, as torch's ignore_index); probs [B,NL] kept for backward.
	 * Returns NAN when every label is ignored. */
	float (*crossentropy_forward)(float *probs, const float *logits, const int32_t *labels, int B, int NL);
	/* dlogits = (probs - onehot(label)) / count of labelled rows */
	void (*crossentropy_backward)(float *dlogits, const float *probs, const int32_t *labels, int B, int NL);
	/* Mean squared error of x [n] against y [n] */
	float (*mse_forward)(const float *x, const float *y, int n);
	/* dx = 2 (x - y) / n */
	void (*mse_backward)(float *dx, const float *x, const float *y, int n);

	/* sum of x[i]^2 in double */
	double (*sumsq)(const float *x, size_t n);
	/* x *= s */
	void (*scale)(float *x, size_t n, float s);
	/* torch.optim.AdamW on n parameters at step t (1-based), with the
	 * gradient g[i] * gscale (float product; gscale is clip_grad_norm_'s
	 * factor, 1 for none): p -= lr*wd*p, m, v updated,
	 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). g is not written.
	 * p16 (NULL: none; see bf16_weights): p16[i] = bf16(new p[i]), in the same pass. */
	void (*adamw_update)(float *p, uint16_t *p16, const float *g, float gscale, float *m, float *v, size_t n,
			     float lr, float beta1, float beta2, float eps, float wd, int64_t t);
	/* dst[i] = bf16(src[i]) (to nearest, ties to even), n elements; only on
	 * backends with bf16_weights (else NULL) */
	void (*round_bf16)(uint16_t *dst, const float *src, size_t n);
} pt_backend;

/* The CPU backend (lib/backend/cpu/). */
extern const pt_backend pt_cpu_backend;
/* 1 when this CPU computes bf16 products (oneDNN finds AVX512-BF16 or AMX). */
int pt_cpu_bf16_available(void);
/* The CPU backend's products from now on: fp32 (OpenBLAS) or bf16 (oneDNN;
 * pt_cpu_bf16_available must hold). Other precisions are not the CPU's. */
void pt_cpu_set_precision(pt_precision p);

#endif
