/* The CPU kernels behind pt_cpu_backend (lib/backend/backend.h documents each op).
 * Internal to lib/backend/cpu/. */
#ifndef PT_CPU_OPS_H
#define PT_CPU_OPS_H

#include <stddef.h>
#include <stdint.h>

void *cpu_alloc(size_t bytes);
void cpu_release(void *p);
void cpu_copy(void *dst, const void *src, size_t bytes);
void cpu_fill(float *x, size_t n, float v);
void cpu_fill_normal(float *x, size_t n, float mean, float std, uint64_t seed, uint64_t stream);
double cpu_sumsq(const float *x, size_t n);
void cpu_scale(float *x, size_t n, float s);
void cpu_adamw_update(float *p, uint16_t *p16, const float *g, float gscale, float *m, float *v, size_t n,
		      float lr, float beta1, float beta2, float eps, float wd, int64_t t);

void cpu_embedding_forward(float *out, const int32_t *ids, const int32_t *tt,
			   const float *wte, const float *wpe, const float *wtt, int B, int T, int C);
void cpu_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
			    const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C);

void cpu_rows_gather(float *out, const float *inp, const int32_t *rows, int N, int C);
void cpu_rows_scatter(float *out, const float *inp, const int32_t *rows, int N, int M, int C);

void cpu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
			   const float *w, const float *b, int N, int C, float eps);
void cpu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
			    const float *inp, const float *w, const float *mean, const float *rstd, int N, int C);

/* gemm.c: cblas_sgemm (row-major, transA/transB 0 or 1) shared among the
 * OpenMP threads; cpu_blas_serial makes OpenBLAS single-threaded for good. */
void cpu_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
	       const float *B, int ldb, float beta, float *C, int ldc);
/* cpu_sgemm_bias: C[M,N] = bias (broadcast over the rows) + op(A) op(B),
 * the same bits as filling C with the bias and calling cpu_sgemm with
 * alpha = beta = 1, the fill shared among the threads. */
void cpu_sgemm_bias(int transA, int transB, int M, int N, int K, const float *A, int lda,
		    const float *B, int ldb, const float *bias, float *C, int ldc);
void cpu_blas_serial(void);

/* bf16.c: --precision bf16's products through oneDNN. cpu_bf16_mode: 1
 * while the backend computes its products in bf16 (pt_device_set_precision).
 * pt_bf16_round: x rounded to bf16 (to nearest, ties to even; NaN stays
 * NaN), as torch's .to(torch.bfloat16). cpu_to_bf16: dst[i] = bf16(src[i]);
 * cpu_to_bf16_rows: rows x cols of src (leading dimension ld) into dst
 * packed [rows, cols]. */
extern int cpu_bf16_mode;
uint16_t pt_bf16_round(float x);
void cpu_to_bf16(uint16_t *dst, const float *src, size_t n);
void cpu_to_bf16_rows(uint16_t *dst, const float *src, int rows, int cols, int ld);
/* A product C = alpha * A @ B (+ C when accumulate) over a batch of
 * batch[0] x batch[1] matrices: A [M,K] and B [K,N] bf16, C [M,N] fp32,
 * element (i, j, r, c) of each at i*s[0] + j*s[1] + r*s[2] + c*s[3]. */
typedef struct {
	int64_t batch[2], M, N, K;
	int64_t sa[4], sb[4], sc[4];
	float alpha;
	int accumulate;
} cpu_bmm_shape;
void cpu_bmm_bf16(const cpu_bmm_shape *shape, const uint16_t *A, const uint16_t *B, float *C);
/* cpu_sgemm's arguments for bf16 operands (accumulate: beta 1, else 0) */
void cpu_gemm_bf16(int transA, int transB, int M, int N, int K, float alpha, const uint16_t *A, int lda,
		   const uint16_t *B, int ldb, int accumulate, float *C, int ldc);
/* bf16 scratch of n elements for slot (< CPU_BF16_SLOTS), kept between calls */
#define CPU_BF16_SLOTS 6
uint16_t *cpu_bf16_scratch(int slot, size_t n);

void cpu_matmul_forward(float *out, const float *inp, const float *w, const uint16_t *w16, const float *bias,
			int N, int C, int OC);
void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
			 const float *inp, const float *w, const uint16_t *w16, int N, int C, int OC, int accumulate);
void cpu_pooler_forward(float *out, const float *hidden, const float *w, const uint16_t *w16, const float *b,
			int B, int T, int C);
void cpu_pooler_backward(float *dhidden, float *dw, float *db, float *dout, const float *hidden,
			 const float *out, const float *w, const uint16_t *w16, int B, int T, int C);

void cpu_attention_forward(float *ctx, float *att, float *att_drop, const float *q, const float *k,
			   const float *v, const int32_t *mask, int B, int T, int C, int NH,
			   float p, uint64_t seed, uint64_t stream);
void cpu_attention_backward(float *dq, float *dk, float *dv, float *datt, const float *dctx,
			    const float *att, const float *att_drop, const float *q, const float *k,
			    const float *v, int B, int T, int C, int NH, float p, uint64_t seed, uint64_t stream);

/* The vector instruction sets the CPU kernels choose from at run time
 * (dropout.c, vmath.c), in one numbering. */
typedef enum { PT_ISA_SCALAR, PT_ISA_SSE2, PT_ISA_AVX2, PT_ISA_AVX512 } pt_cpu_isa;
/* The widest this CPU runs: at least PT_ISA_SSE2 on x86-64 (its baseline),
 * PT_ISA_SCALAR elsewhere. Cheap: reads flags set at start-up. */
pt_cpu_isa cpu_best_isa(void);

/* vmath.c: in-place expf/erff over x[0..n) on the widest vector math the
 * CPU has (an element's result does not depend on its position), and sums
 * over PT_LANES interleaved partial sums added in a fixed order (the same
 * bits on every ISA). cpu_vsumsq_dev: sum of (x[i] - m)^2. cpu_lanes_total:
 * the fixed order that adds PT_LANES partial sums, for a caller keeping its
 * own (layernorm backward). */
#define PT_LANES 8
void cpu_vexpf(float *x, size_t n);
void cpu_verff(float *x, size_t n);
float cpu_vsum(const float *x, size_t n);
float cpu_vdot(const float *x, const float *y, size_t n);
float cpu_vsumsq_dev(const float *x, float m, size_t n);
float cpu_lanes_total(const float *s);

void cpu_gelu_forward(float *out, const float *inp, size_t n);
void cpu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);
void cpu_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
			 float p, uint64_t seed, uint64_t stream);
void cpu_dropout_backward(float *dinp, const float *dout, size_t n, float p, uint64_t seed, uint64_t stream);
/* Serial dropout of elements [lo, hi) of a site (p > 0): out[i] = inp[i] *
 * mask(i) / (1-p), the same mask as cpu_dropout_forward/backward; out may
 * equal inp. For callers already inside a parallel region. */
/* dropout.c: elements [lo, hi) on the path of isa (a pt_cpu_isa; paths
 * this CPU lacks must not be asked for). */
void cpu_dropout_span(float *out, const float *inp, const float *resid, size_t lo, size_t hi,
		      float p, uint64_t seed, uint64_t stream, int isa);
void cpu_dropout_range(float *out, const float *inp, size_t lo, size_t hi, float p, uint64_t seed, uint64_t stream);

float cpu_crossentropy_forward(float *probs, const float *logits, const int32_t *labels, int B, int NL);
void cpu_crossentropy_backward(float *dlogits, const float *probs, const int32_t *labels, int B, int NL);
float cpu_mse_forward(const float *x, const float *y, int n);
void cpu_mse_backward(float *dx, const float *x, const float *y, int n);

#endif
