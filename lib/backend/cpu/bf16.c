/* CPU backend: bf16 matrix products through oneDNN (--precision bf16).
 *
 * The operands are bf16 arrays (pt_bf16_round of the fp32 values: the
 * weights' shadow, or activations converted just before the product), the
 * products accumulate in fp32 and the results are fp32, as
 * torch.autocast("cpu", torch.bfloat16)'s matmuls compute them before
 * their output is stored. oneDNN's matmul primitive picks its kernel at
 * run time: AMX tiles where the CPU has them, else AVX512-BF16.
 *
 * Each distinct product (shape, strides, alpha, beta) gets one primitive,
 * created the first time it is seen and kept in a table for the rest of
 * the run; a call only swaps the data pointers. oneDNN runs on OpenMP
 * (libgomp, the same pool as the rest of the backend), so its threads are
 * this process's OpenMP team: nothing is oversubscribed as long as
 * OpenBLAS stays single-threaded (gemm.c). Calls come from one thread at a
 * time, outside any parallel region. */
#include "backend/backend.h"
#include "backend/cpu/ops.h"
#include "util.h"

#include <dnnl.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

int cpu_bf16_mode;

uint16_t pt_bf16_round(float x)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	if ((u & 0x7fffffffu) > 0x7f800000u)   /* NaN: keep it a (quiet) NaN */
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fffu + ((u >> 16) & 1u);       /* round to nearest, ties to even */
	return (uint16_t)(u >> 16);
}

/* n elements on the calling thread, in AVX-512 where the CPU has it (the
 * same integer operations at any width: the same bits) */
__attribute__((target_clones("avx512f", "default")))
static void to_bf16_span(uint16_t *dst, const float *src, size_t n)
{
	#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &src[i], sizeof u);
		uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
		dst[i] = (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 0x40) : (uint16_t)r;
	}
}

void cpu_to_bf16(uint16_t *dst, const float *src, size_t n)
{
	if (n <= 65536 || omp_in_parallel()) {
		to_bf16_span(dst, src, n);
		return;
	}
	#pragma omp parallel
	{
		size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
		size_t lo = n * t / nt, hi = n * (t + 1) / nt;
		to_bf16_span(dst + lo, src + lo, hi - lo);
	}
}

void cpu_to_bf16_rows(uint16_t *dst, const float *src, int rows, int cols, int ld)
{
	#pragma omp parallel for schedule(static) if ((long)rows * cols > 65536)
	for (int r = 0; r < rows; r++)
		to_bf16_span(dst + (size_t)r * cols, src + (size_t)r * ld, (size_t)cols);
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;

#define DNNL_OK(x) do { dnnl_status_t st_ = (x); if (st_ != dnnl_success) \
	pt_die("oneDNN: %s: status %d", #x, (int)st_); } while (0)

int pt_cpu_bf16_available(void)
{
	/* oneDNN's own detection, which DNNL_MAX_CPU_ISA/ONEDNN_MAX_CPU_ISA
	 * may cap: AVX512-BF16 (whose bits AMX's value includes) */
	unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
	unsigned bf16 = (unsigned)dnnl_cpu_isa_avx512_core_bf16;
	return (isa & bf16) == bf16;
}

void pt_cpu_set_precision(pt_precision p)
{
	cpu_bf16_mode = p == PT_BF16;
}

/* One product: a primitive and the memory objects whose handles each call sets. */
typedef struct {
	cpu_bmm_shape key;
	int used;
	dnnl_primitive_t prim;
	dnnl_memory_t a, b, c, scratch;
	size_t scratch_bytes;
} entry;

#define CACHE_SIZE 4096   /* a power of two */
static entry cache[CACHE_SIZE];
static size_t cache_used;

static uint64_t key_hash(const cpu_bmm_shape *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < sizeof *k; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void md_init(dnnl_memory_desc_t *md, dnnl_data_type_t dt, int64_t b0, int64_t b1, int64_t r, int64_t c,
		    const int64_t st[4])
{
	dnnl_dims_t dims = { b0, b1, r, c }, strides = { st[0], st[1], st[2], st[3] };
	DNNL_OK(dnnl_memory_desc_init_by_strides(md, 4, dims, dt, strides));
}

static void cache_clear(void)
{
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i].used) {
			dnnl_memory_destroy(cache[i].a);
			dnnl_memory_destroy(cache[i].b);
			dnnl_memory_destroy(cache[i].c);
			dnnl_memory_destroy(cache[i].scratch);
			dnnl_primitive_destroy(cache[i].prim);
			cache[i].used = 0;
		}
	cache_used = 0;
}

static entry *lookup(const cpu_bmm_shape *k)
{
	if (!engine) {
		DNNL_OK(dnnl_engine_create(&engine, dnnl_cpu, 0));
		DNNL_OK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
	}
	size_t i = key_hash(k) & (CACHE_SIZE - 1);
	for (; cache[i].used; i = (i + 1) & (CACHE_SIZE - 1))
		if (memcmp(&cache[i].key, k, sizeof *k) == 0)
			return &cache[i];
	if (cache_used >= CACHE_SIZE * 3 / 4) {   /* full: start over (same kernels, same bits) */
		cache_clear();
		i = key_hash(k) & (CACHE_SIZE - 1);
	}
	entry *e = &cache[i];
	dnnl_memory_desc_t amd, bmd, cmd;
	md_init(&amd, dnnl_bf16, k->batch[0], k->batch[1], k->M, k->K, k->sa);
	md_init(&bmd, dnnl_bf16, k->batch[0], k->batch[1], k->K, k->N, k->sb);
	md_init(&cmd, dnnl_f32, k->batch[0], k->batch[1], k->M, k->N, k->sc);
	dnnl_matmul_desc_t desc;
	DNNL_OK(dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd));
	dnnl_primitive_attr_t attr;
	DNNL_OK(dnnl_primitive_attr_create(&attr));
	/* one scratchpad for every primitive (scratch_buf), not one each */
	DNNL_OK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
	if (k->alpha != 1.0f)
		DNNL_OK(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &k->alpha));
	if (k->accumulate) {
		dnnl_post_ops_t po;
		DNNL_OK(dnnl_post_ops_create(&po));
		DNNL_OK(dnnl_post_ops_append_sum(po, 1.0f));
		DNNL_OK(dnnl_primitive_attr_set_post_ops(attr, po));
		dnnl_post_ops_destroy(po);
	}
	dnnl_primitive_desc_t pd;
	DNNL_OK(dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL));
	dnnl_primitive_attr_destroy(attr);
	DNNL_OK(dnnl_primitive_create(&e->prim, pd));
	const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	DNNL_OK(dnnl_memory_create(&e->scratch, smd, engine, DNNL_MEMORY_NONE));
	e->scratch_bytes = dnnl_memory_desc_get_size(smd);
	dnnl_primitive_desc_destroy(pd);
	DNNL_OK(dnnl_memory_create(&e->a, &amd, engine, DNNL_MEMORY_NONE));
	DNNL_OK(dnnl_memory_create(&e->b, &bmd, engine, DNNL_MEMORY_NONE));
	DNNL_OK(dnnl_memory_create(&e->c, &cmd, engine, DNNL_MEMORY_NONE));
	e->key = *k;
	e->used = 1;
	cache_used++;
	return e;
}

/* the scratchpad every primitive shares, at least bytes long */
static void *scratch_buf(size_t bytes)
{
	static void *buf;
	static size_t cap;
	if (bytes > cap) {
		free(buf);
		cap = (bytes + 4095) & ~(size_t)4095;
		buf = aligned_alloc(4096, cap);
		if (!buf)
			pt_die("out of memory allocating %zu bytes", cap);
	}
	return buf;
}

void cpu_bmm_bf16(const cpu_bmm_shape *k, const uint16_t *A, const uint16_t *B, float *C)
{
	entry *e = lookup(k);
	DNNL_OK(dnnl_memory_set_data_handle(e->a, (void *)A));
	DNNL_OK(dnnl_memory_set_data_handle(e->b, (void *)B));
	DNNL_OK(dnnl_memory_set_data_handle(e->c, C));
	DNNL_OK(dnnl_memory_set_data_handle(e->scratch, scratch_buf(e->scratch_bytes)));
	dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, e->a }, { DNNL_ARG_WEIGHTS, e->b }, { DNNL_ARG_DST, e->c },
				    { DNNL_ARG_SCRATCHPAD, e->scratch } };
	DNNL_OK(dnnl_primitive_execute(e->prim, stream, 4, args));
	DNNL_OK(dnnl_stream_wait(stream));
}

void cpu_gemm_bf16(int transA, int transB, int M, int N, int K, float alpha, const uint16_t *A, int lda,
		   const uint16_t *B, int ldb, int accumulate, float *C, int ldc)
{
	cpu_bmm_shape k;
	memset(&k, 0, sizeof k);   /* the padding too: keys are compared as bytes */
	k.batch[0] = k.batch[1] = 1;
	k.M = M;
	k.N = N;
	k.K = K;
	k.alpha = alpha;
	k.accumulate = accumulate != 0;
	int64_t sa[4] = { (int64_t)M * K, (int64_t)M * K, transA ? 1 : lda, transA ? lda : 1 };
	int64_t sb[4] = { (int64_t)K * N, (int64_t)K * N, transB ? 1 : ldb, transB ? ldb : 1 };
	int64_t sc[4] = { (int64_t)M * ldc, (int64_t)M * ldc, ldc, 1 };
	memcpy(k.sa, sa, sizeof sa);
	memcpy(k.sb, sb, sizeof sb);
	memcpy(k.sc, sc, sizeof sc);
	cpu_bmm_bf16(&k, A, B, C);
}

/* Grown-on-demand bf16 scratch arrays, one per slot; contents are the
 * caller's between two calls with the same slot. */
uint16_t *cpu_bf16_scratch(int slot, size_t n)
{
	static uint16_t *buf[CPU_BF16_SLOTS];
	static size_t cap[CPU_BF16_SLOTS];
	if (n > cap[slot]) {
		free(buf[slot]);
		size_t bytes = (n * sizeof(uint16_t) + 63) & ~(size_t)63;
		buf[slot] = aligned_alloc(64, bytes);
		if (!buf[slot])
			pt_die("out of memory allocating %zu bytes", bytes);
		cap[slot] = n;
	}
	return buf[slot];
}
