/* The CPU backend's fast paths against their plain definitions:
 * - dropout: the scalar, SSE2, AVX2 and AVX-512 mask generators (those the
 *   CPU runs) give exactly the mask that pt_philox defines, at every
 *   alignment of a span;
 * - cpu_sgemm: the product shared among two threads is the exact product
 *   to float rounding (against a double-precision loop), the same bits on
 *   every call, and on one thread the bits of one cblas_sgemm call; for
 *   every transpose, odd sizes, strided operands and beta 0 or 1;
 *   cpu_sgemm_bias the bits of filling C with the bias and cpu_sgemm;
 * - rows_gather / rows_scatter: the packed rows of a padded batch and back,
 *   every padding row zeroed (including one before the first packed row and
 *   after the last), over stale contents, on both sides of the threading
 *   threshold;
 * - vmath: the vector expf/erff within 4 ulp of libm's scalar ones, exact at
 *   0 and for the masked logits (exp(-FLT_MAX) = 0), an element's result the
 *   same wherever it sits (full vector or padded tail); the lane sums
 *   bit-equal to their documented order and close to a double sum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/cpu/ops.h"
#include "rng.h"

#include <cblas.h>
#include <float.h>
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static float mask_ref(uint64_t seed, uint64_t stream, size_t i, float p)
{
	uint32_t w[4];
	pt_philox(seed, stream, i / 4, w);
	return (float)(w[i % 4] >> 8) * 0x1p-24f >= p ? 1.0f / (1.0f - p) : 0.0f;
}

static void test_dropout_paths(void **state)
{
	(void)state;
	enum { N = 1000 };
	float *inp = malloc(sizeof(float) * N), *res = malloc(sizeof(float) * N), *out = malloc(sizeof(float) * N);
	for (int i = 0; i < N; i++) {
		inp[i] = (float)(i % 13) - 6.5f;
		res[i] = 0.25f * (float)(i % 7);
	}
	/* the second seed/stream pair has its high words set */
	const uint64_t seeds[2] = { 42, 0x123456789abcdefULL }, streams[2] = { 7, 0xfedcba9876543ULL };
	int best = cpu_best_isa();
	int checked = 0;
	for (int isa = 0; isa <= best; isa++)
		for (int k = 0; k < 2; k++)
			for (size_t lo = 0; lo < 40; lo += 3)
				for (size_t len = 0; len < 300; len += 37) {
					size_t hi = lo + len;
					memset(out, 0, sizeof(float) * N);
					cpu_dropout_span(out, inp, (lo & 1) ? res : NULL, lo, hi, 0.1f, seeds[k],
							 streams[k], isa);
					for (size_t i = lo; i < hi; i++) {
						float want = inp[i] * mask_ref(seeds[k], streams[k], i, 0.1f) +
							     ((lo & 1) ? res[i] : 0.0f);
						if (out[i] != want)
							fail_msg("isa %d span [%zu,%zu) element %zu: %g, want %g",
								 isa, lo, hi, i, out[i], want);
					}
					for (size_t i = hi; i < N; i++)
						assert_true(out[i] == 0.0f);   /* nothing written past the span */
					checked++;
				}
	assert_true(checked > 0);
	free(inp);
	free(res);
	free(out);
}

static void fill(float *x, size_t n, unsigned s)
{
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		x[i] = (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
}

static void test_rows_pack(void **state)
{
	(void)state;
	for (int big = 0; big < 2; big++) {
		int M = big ? 600 : 9, C = big ? 257 : 5;
		int32_t rows[600];
		int N = 0;
		for (int r = 1; r < M - 1; r++)   /* rows 0 and M-1 are padding */
			if (r % 3 != 0)
				rows[N++] = r;
		float *pad = malloc(sizeof(float) * M * C), *packed = malloc(sizeof(float) * N * C);
		float *back = malloc(sizeof(float) * M * C);
		for (int i = 0; i < M * C; i++) {
			pad[i] = (float)i + 0.5f;
			back[i] = -1.0f;   /* stale: scatter must overwrite every element */
		}
		cpu_rows_gather(packed, pad, rows, N, C);
		for (int i = 0; i < N; i++)
			for (int c = 0; c < C; c++)
				assert_true(packed[(size_t)i * C + c] == pad[(size_t)rows[i] * C + c]);
		cpu_rows_scatter(back, packed, rows, N, M, C);
		int k = 0;
		for (int r = 0; r < M; r++) {
			int real = k < N && rows[k] == r;
			for (int c = 0; c < C; c++)
				assert_true(back[(size_t)r * C + c] == (real ? pad[(size_t)r * C + c] : 0.0f));
			k += real;
		}
		free(pad);
		free(packed);
		free(back);
	}
}

static void test_sgemm_split(void **state)
{
	(void)state;
	/* M x N x K; M >= N cuts rows, M < N cuts columns */
	const int shapes[][3] = { { 577, 130, 67 }, { 130, 577, 67 }, { 64, 64, 512 }, { 33, 1000, 17 }, { 8, 8, 8 } };
	omp_set_num_threads(2);
	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
		for (int ta = 0; ta < 2; ta++)
			for (int tb = 0; tb < 2; tb++)
				for (int beta = 0; beta < 2; beta++) {
					int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
					/* leading dimensions larger than the rows: strided views */
					int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 7;
					size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
					float *A = malloc(sizeof(float) * na), *B = malloc(sizeof(float) * nb);
					float *C0 = malloc(sizeof(float) * nc), *C1 = malloc(sizeof(float) * nc);
					float *C2 = malloc(sizeof(float) * nc);
					fill(A, na, 1 + (unsigned)s);
					fill(B, nb, 2 + (unsigned)s);
					fill(C0, nc, 3);
					memcpy(C1, C0, sizeof(float) * nc);
					memcpy(C2, C0, sizeof(float) * nc);
					cpu_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C1, ldc);
					for (int i = 0; i < M; i++)
						for (int j = 0; j < N; j++) {
							double acc = 0, mag = 0;
							for (int k = 0; k < K; k++) {
								double a = A[ta ? (size_t)k * lda + i : (size_t)i * lda + k];
								double b = B[tb ? (size_t)j * ldb + k : (size_t)k * ldb + j];
								acc += a * b;
								mag += fabs(a * b);
							}
							size_t c = (size_t)i * ldc + j;
							double want = 0.5 * acc + beta * C0[c];
							if (fabs(C1[c] - want) > 1e-6 * (mag + fabs(C0[c])) + 1e-30)
								fail_msg("cpu_sgemm %dx%dx%d ta %d tb %d beta %d: C[%d,%d] = %.9g, want %.9g",
									 M, N, K, ta, tb, beta, i, j, C1[c], want);
						}
					for (int j = N; j < ldc; j++)   /* the gaps between rows are not written */
						assert_true(C1[j] == C0[j]);
					cpu_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C2, ldc);
					assert_memory_equal(C1, C2, sizeof(float) * nc);
					if (beta) {   /* with a bias row: the bits of C = bias, then cpu_sgemm (1, 1) */
						float *bias = malloc(sizeof(float) * N);
						fill(bias, (size_t)N, 4);
						memcpy(C1, C0, sizeof(float) * nc);
						memcpy(C2, C0, sizeof(float) * nc);
						for (int i = 0; i < M; i++)
							memcpy(C2 + (size_t)i * ldc, bias, sizeof(float) * N);
						cpu_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, C2, ldc);
						cpu_sgemm_bias(ta, tb, M, N, K, A, lda, B, ldb, bias, C1, ldc);
						assert_memory_equal(C1, C2, sizeof(float) * nc);
						free(bias);
					}
					/* one thread: exactly one single-threaded sgemm */
					omp_set_num_threads(1);
					memcpy(C1, C0, sizeof(float) * nc);
					memcpy(C2, C0, sizeof(float) * nc);
					cpu_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C1, ldc);
					cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
						    M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C2, ldc);
					assert_memory_equal(C1, C2, sizeof(float) * nc);
					omp_set_num_threads(2);
					free(A);
					free(B);
					free(C0);
					free(C1);
					free(C2);
				}
}

/* |a - b| within k ulp of b (k units of b's last place; 0 and subnormals by FLT_MIN) */
static int within_ulp(float a, float b, int k)
{
	float ulp = fabsf(b) < FLT_MIN ? FLT_MIN * FLT_EPSILON : nextafterf(fabsf(b), INFINITY) - fabsf(b);
	return fabsf(a - b) <= k * ulp;
}

/* vmath.c's documented order: element i into lane i % 8, lanes added pairwise */
static float lanes_ref(const float *x, const float *y, size_t n)
{
	float s[8] = {0};
	for (size_t i = 0; i < n; i++)
		s[i % 8] += y ? x[i] * y[i] : x[i];
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

static void test_vmath(void **state)
{
	(void)state;
	enum { N = 203 };
	float x[N], e[N], f[N], t[N];
	for (int i = 0; i < N; i++)
		x[i] = -20.0f + 40.0f * (float)i / (N - 1) + 1e-3f * (float)(i % 7);
	static const size_t lens[] = { 1, 3, 7, 15, 16, 17, 31, 72, 100, N };
	for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
		size_t n = lens[li];
		memcpy(e, x, sizeof(float) * n);
		cpu_vexpf(e, n);
		for (size_t i = 0; i < n; i++)
			if (!within_ulp(e[i], expf(x[i]), 4))
				fail_msg("cpu_vexpf n=%zu: exp(%.9g) = %.9g, libm %.9g", n, x[i], e[i], expf(x[i]));
		for (size_t i = 0; i < n; i++)
			f[i] = x[i] * 0.25f;   /* erf saturates beyond ~4 */
		memcpy(t, f, sizeof(float) * n);
		cpu_verff(t, n);
		for (size_t i = 0; i < n; i++)
			if (!within_ulp(t[i], erff(f[i]), 4) && fabsf(t[i] - erff(f[i])) > 1e-7f)
				fail_msg("cpu_verff n=%zu: erf(%.9g) = %.9g, libm %.9g", n, f[i], t[i], erff(f[i]));
	}
	/* position independence: x[5..8) as a 3-element tail against x[5] in a full vector */
	memcpy(e, x, sizeof(float) * N);
	cpu_vexpf(e, N);
	memcpy(t, x + 5, sizeof(float) * 3);
	cpu_vexpf(t, 3);
	assert_memory_equal(t, e + 5, sizeof(float) * 3);
	memcpy(e, x, sizeof(float) * N);
	cpu_verff(e, N);
	memcpy(t, x + 5, sizeof(float) * 3);
	cpu_verff(t, 3);
	assert_memory_equal(t, e + 5, sizeof(float) * 3);
	/* what masked softmax relies on */
	float sp[4] = { 0.0f, -FLT_MAX, -FLT_MAX - 3.0f, -200.0f };
	cpu_vexpf(sp, 4);
	assert_true(sp[0] == 1.0f && sp[1] == 0.0f && sp[2] == 0.0f && sp[3] == 0.0f);

	/* sums: the documented lane order, bit for bit, and within the float
	 * summation bound n * eps * sum |terms| of a double sum */
	for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
		size_t n = lens[li], nd = n < N ? n : N - 1;   /* the dot pairs x[i] with x[i+1] */
		double s = 0, sa = 0, d = 0, da = 0, q = 0;
		for (size_t i = 0; i < n; i++) {
			s += x[i];
			sa += fabs(x[i]);
			q += ((double)x[i] - 0.3f) * ((double)x[i] - 0.3f);
		}
		for (size_t i = 0; i < nd; i++) {
			d += (double)x[i] * x[i + 1];
			da += fabs((double)x[i] * x[i + 1]);
		}
		float vs = cpu_vsum(x, n), vd = cpu_vdot(x, x + 1, nd), vq = cpu_vsumsq_dev(x, 0.3f, n);
		float rs = lanes_ref(x, NULL, n), rd = lanes_ref(x, x + 1, nd);
		assert_memory_equal(&vs, &rs, sizeof vs);
		assert_memory_equal(&vd, &rd, sizeof vd);
		double tol = (double)n * FLT_EPSILON;
		if (fabs(vs - s) > tol * sa || fabs(vd - d) > tol * da || fabs(vq - q) > tol * q)
			fail_msg("n=%zu: sum %.9g vs %.9g, dot %.9g vs %.9g, sumsq_dev %.9g vs %.9g", n, vs, s, vd, d, vq, q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dropout_paths),
		cmocka_unit_test(test_sgemm_split),
		cmocka_unit_test(test_rows_pack),
		cmocka_unit_test(test_vmath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
