/* dnnl_peak: the machine's bf16 matrix-product peak as bench/model counts
 * it: the best of REPS oneDNN matmuls C[m,n] (fp32) = A[m,k] (bf16) x
 * B[k,n] (bf16), one primitive created once and run REPS times after one
 * warm-up run, on oneDNN's own OpenMP threads (OMP_NUM_THREADS). Prints
 * "key value" lines: the implementation oneDNN chose (e.g. brg:avx512_core_amx
 * for AMX, brg:avx512_core_bf16 for AVX512-BF16), the CPU ISA it detected,
 * and the best GFLOP/s. With --sgemm, the same shape in fp32 through
 * OpenBLAS's cblas_sgemm (OPENBLAS_NUM_THREADS threads) for comparison.
 * Built by bench/model/bench.mk (-ldnnl); not part of `make all`.
 *
 *   dnnl_peak [--m M] [--n N] [--k K] [--reps R] [--sgemm] [--max-isa amx|avx512_bf16]
 *
 * Defaults: 2048^3, 5 reps. --max-isa caps oneDNN's ISA
 * (dnnl_set_max_cpu_isa), e.g. to measure AVX512-BF16 on an AMX machine.
 */
#include <cblas.h>
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHECK(x) do { dnnl_status_t st_ = (x); if (st_ != dnnl_success) { \
	fprintf(stderr, "dnnl_peak: %s: status %d\n", #x, (int)st_); exit(1); } } while (0)

static double bf16_matmul(int m, int n, int k, int reps, const char **impl)
{
	dnnl_engine_t eng;
	dnnl_stream_t str;
	CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
	CHECK(dnnl_stream_create(&str, eng, dnnl_stream_default_flags));
	dnnl_memory_desc_t a_md, b_md, c_md;
	dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
	CHECK(dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dnnl_bf16, dnnl_ab));
	CHECK(dnnl_memory_desc_init_by_tag(&b_md, 2, bd, dnnl_bf16, dnnl_ab));
	CHECK(dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_f32, dnnl_ab));
	dnnl_matmul_desc_t desc;
	CHECK(dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md));
	dnnl_primitive_desc_t pd;
	CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, eng, NULL));
	CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, impl));
	dnnl_primitive_t prim;
	CHECK(dnnl_primitive_create(&prim, pd));
	dnnl_memory_t am, bm, cm;
	CHECK(dnnl_memory_create(&am, &a_md, eng, DNNL_MEMORY_ALLOCATE));
	CHECK(dnnl_memory_create(&bm, &b_md, eng, DNNL_MEMORY_ALLOCATE));
	CHECK(dnnl_memory_create(&cm, &c_md, eng, DNNL_MEMORY_ALLOCATE));
	uint16_t *a, *b;
	CHECK(dnnl_memory_get_data_handle(am, (void **)&a));
	CHECK(dnnl_memory_get_data_handle(bm, (void **)&b));
	for (size_t i = 0; i < (size_t)m * k; i++)
		a[i] = 0x3f80 + (uint16_t)(i % 7);   /* 1.0 .. 1.05 in bf16 */
	for (size_t i = 0; i < (size_t)k * n; i++)
		b[i] = 0x3d80 + (uint16_t)(i % 5);   /* ~0.0625 */
	dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
	double best = 0;
	for (int r = -1; r < reps; r++) {   /* r = -1: warm-up (JIT, page faults) */
		double t0 = now();
		CHECK(dnnl_primitive_execute(prim, str, 3, args));
		CHECK(dnnl_stream_wait(str));
		double g = 2.0 * m * n * k / (now() - t0) / 1e9;
		if (r >= 0 && g > best)
			best = g;
	}
	*impl = strdup(*impl);   /* owned by pd */
	dnnl_memory_destroy(am);
	dnnl_memory_destroy(bm);
	dnnl_memory_destroy(cm);
	dnnl_primitive_destroy(prim);
	dnnl_primitive_desc_destroy(pd);
	dnnl_stream_destroy(str);
	dnnl_engine_destroy(eng);
	return best;
}

static double sgemm(int m, int n, int k, int reps)
{
	float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
	for (size_t i = 0; i < (size_t)m * k; i++)
		a[i] = (float)(i % 7) * 0.1f;
	for (size_t i = 0; i < (size_t)k * n; i++)
		b[i] = (float)(i % 5) * 0.1f;
	double best = 0;
	for (int r = -1; r < reps; r++) {
		double t0 = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
		double g = 2.0 * m * n * k / (now() - t0) / 1e9;
		if (r >= 0 && g > best)
			best = g;
	}
	free(a);
	free(b);
	free(c);
	return best;
}

int main(int argc, char **argv)
{
	int m = 2048, n = 2048, k = 2048, reps = 5, do_sgemm = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--m") && i + 1 < argc) m = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--n") && i + 1 < argc) n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--k") && i + 1 < argc) k = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sgemm")) do_sgemm = 1;
		else if (!strcmp(argv[i], "--max-isa") && i + 1 < argc) {
			const char *v = argv[++i];
			dnnl_cpu_isa_t isa = !strcmp(v, "amx") ? dnnl_cpu_isa_avx512_core_amx
					   : !strcmp(v, "avx512_bf16") ? dnnl_cpu_isa_avx512_core_bf16 : dnnl_cpu_isa_all;
			CHECK(dnnl_set_max_cpu_isa(isa));
		} else {
			fprintf(stderr, "usage: dnnl_peak [--m M] [--n N] [--k K] [--reps R] [--sgemm] "
				"[--max-isa amx|avx512_bf16]\n");
			return 2;
		}
	}
	if (m < 1 || n < 1 || k < 1 || reps < 1) {
		fprintf(stderr, "dnnl_peak: sizes and --reps must be positive\n");
		return 2;
	}
	const dnnl_version_t *v = dnnl_version();
	printf("onednn %d.%d.%d\n", v->major, v->minor, v->patch);
	printf("shape %dx%dx%d\n", m, n, k);
	const char *impl;
	double g = bf16_matmul(m, n, k, reps, &impl);
	printf("onednn_isa 0x%x\n", (unsigned)dnnl_get_effective_cpu_isa());
	printf("bf16_impl %s\n", impl);
	printf("bf16_gflops %.1f\n", g);
	if (do_sgemm) {
		printf("blas_core %s\n", openblas_get_corename());
		printf("sgemm_gflops %.1f\n", sgemm(m, n, k, reps));
	}
	free((void *)impl);
	return 0;
}
