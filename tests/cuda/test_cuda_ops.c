/* test_cuda_ops: every op of lib/backend/backend.h run on the CUDA backend and on
 * the CPU backend (the reference) from the same random inputs, outputs
 * compared: |cuda - cpu| <= tol * (|cpu| + rms(cpu)) per element, tol 1e-5
 * for elementwise ops, 1e-4 for reductions and matrix products; dropout
 * masks (zero patterns) must match exactly, and NaN only where the CPU has
 * NaN. Shapes: padded batches (mask zeros, pad ids), odd sizes (C=37, T=13,
 * NH=4 with C=32), both segments, dropout p=0.1 on the same (seed, stream),
 * the packing of a padded batch's rows.
 * Prints one line per op call and a summary; exit 0 all passed, 1 any
 * mismatch, 77 when no CUDA device is present.
 *
 * --self-check runs the harness without a GPU: the CPU backend against
 * itself (everything must pass), then against a copy with a perturbed GELU
 * and a dropout on another stream (exactly those ops must fail), so that
 * the harness, its sizes and its comparisons are checked (and run under
 * ASan) on machines without a GPU. */
#include "backend/backend.h"
#include "backend/cuda/cuda.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL_EW 1e-5
#define TOL_RED 1e-4

static const pt_backend *cpu = &pt_cpu_backend, *dev;
static int verbose = 1;

/* ---- tensors: a CPU copy (h) and a device copy (d) of the same values ---- */

typedef struct { float *h, *d; size_t n; } tf;
typedef struct { int32_t *h, *d; size_t n; } ti;

#define MAX_OWNED 256
static void *owned_h[MAX_OWNED], *owned_d[MAX_OWNED];
static int n_owned;

static void own(void *h, void *d)
{
	if (n_owned == MAX_OWNED) {
		fprintf(stderr, "test_cuda_ops: too many live tensors\n");
		exit(1);
	}
	owned_h[n_owned] = h;
	owned_d[n_owned++] = d;
}

static void release_all(void)
{
	for (int i = 0; i < n_owned; i++) {
		cpu->release(owned_h[i]);
		dev->release(owned_d[i]);
	}
	n_owned = 0;
}

static uint64_t input_stream = 1;

/* n floats uniform in [lo, hi) from a fresh Philox stream, on both sides */
static tf rnd(size_t n, float lo, float hi)
{
	tf t = { cpu->alloc(n * sizeof(float)), dev->alloc(n * sizeof(float)), n };
	uint64_t s = input_stream++;
	for (size_t i = 0; i < n; i++)
		t.h[i] = lo + (hi - lo) * pt_rng_uniform(1234, s, i);
	dev->to_device(t.d, t.h, n * sizeof(float));
	own(t.h, t.d);
	return t;
}

/* n zeros on both sides */
static tf zeros(size_t n)
{
	tf t = { cpu->alloc(n * sizeof(float)), dev->alloc(n * sizeof(float)), n };
	own(t.h, t.d);
	return t;
}

static ti ints(const int32_t *v, size_t n)
{
	ti t = { cpu->alloc(n * sizeof(int32_t)), dev->alloc(n * sizeof(int32_t)), n };
	memcpy(t.h, v, n * sizeof(int32_t));
	dev->to_device(t.d, t.h, n * sizeof(int32_t));
	own(t.h, t.d);
	return t;
}

/* ---- comparisons: one line per op call ---- */

static char cur_name[160], cur_fail[320];
static double cur_worst, cur_tol;
static int cur_bad, n_pass, n_fail;
static char failed_ops[4096];

static void op_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void op_begin(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cur_name, sizeof cur_name, fmt, ap);
	va_end(ap);
	cur_worst = 0;
	cur_tol = 0;
	cur_bad = 0;
	cur_fail[0] = 0;
}

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	if (!cur_bad) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(cur_fail, sizeof cur_fail, fmt, ap);
		va_end(ap);
	}
	cur_bad = 1;
}

/* the device copy of t against its CPU copy */
static void cmp(const char *what, tf t, double tol)
{
	float *got = malloc(t.n * sizeof(float) + 1);
	if (!got) {
		fprintf(stderr, "test_cuda_ops: out of memory\n");
		exit(1);
	}
	dev->to_host(got, t.d, t.n * sizeof(float));
	double ss = 0;
	for (size_t i = 0; i < t.n; i++)
		if (isfinite(t.h[i]))
			ss += (double)t.h[i] * t.h[i];
	double rms = t.n ? sqrt(ss / t.n) : 0;
	if (tol > cur_tol)
		cur_tol = tol;
	for (size_t i = 0; i < t.n; i++) {
		double r = t.h[i], g = got[i];
		if (isnan(r) || isnan(g)) {
			if (!(isnan(r) && isnan(g)))
				bad("%s[%zu]: cpu %.9g, cuda %.9g", what, i, r, g);
			continue;
		}
		double den = fabs(r) + rms;
		double e = den > 0 ? fabs(g - r) / den : (g == r ? 0 : INFINITY);
		if (e > cur_worst)
			cur_worst = e;
		if (!(e <= tol))
			bad("%s[%zu]: cpu %.9g, cuda %.9g (err %.2g)", what, i, r, g, e);
	}
	free(got);
}

/* the zero patterns (dropout masks) of the two copies must be identical */
static void cmp_mask(const char *what, tf t)
{
	float *got = malloc(t.n * sizeof(float) + 1);
	if (!got) {
		fprintf(stderr, "test_cuda_ops: out of memory\n");
		exit(1);
	}
	dev->to_host(got, t.d, t.n * sizeof(float));
	size_t zeros_seen = 0;
	for (size_t i = 0; i < t.n; i++) {
		zeros_seen += t.h[i] == 0;
		if ((t.h[i] == 0) != (got[i] == 0)) {
			bad("%s: dropout mask differs at %zu (cpu %.9g, cuda %.9g)", what, i, t.h[i], got[i]);
			break;
		}
	}
	if (zeros_seen == 0)
		bad("%s: no element dropped: the mask check checks nothing", what);
	free(got);
}

static void cmp_scalar(const char *what, double r, double g, double tol)
{
	if (tol > cur_tol)
		cur_tol = tol;
	if (isnan(r) || isnan(g)) {
		if (!(isnan(r) && isnan(g)))
			bad("%s: cpu %.9g, cuda %.9g", what, r, g);
		return;
	}
	double e = fabs(g - r) / (fabs(r) > 0 ? fabs(r) : 1.0);
	if (e > cur_worst)
		cur_worst = e;
	if (!(e <= tol))
		bad("%s: cpu %.12g, cuda %.12g (err %.2g)", what, r, g, e);
}

static void op_end(void)
{
	if (cur_bad) {
		n_fail++;
		if (strlen(failed_ops) + strlen(cur_name) + 2 < sizeof failed_ops) {
			strcat(failed_ops, " ");
			strcat(failed_ops, cur_name);
		}
		if (verbose)
			printf("FAIL %-58s %s\n", cur_name, cur_fail);
	} else {
		n_pass++;
		if (verbose)
			printf("ok   %-58s max err %.2e (tol %.0e)\n", cur_name, cur_worst, cur_tol);
	}
	release_all();
}

/* ---- the cases ---- */

/* Padded batch of B sequences of lengths len[b] <= T: ids in [first, V) with
 * pad 0 after the end, token types 0 then 1 (two segments), mask 1/0. */
static void make_batch(int B, int T, const int *len, int V, int32_t *ids, int32_t *tt, int32_t *mask)
{
	uint64_t s = input_stream++;
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++) {
			int i = b * T + t, in = t < len[b];
			ids[i] = in ? 1 + (int32_t)(pt_rng_uniform(99, s, i) * (V - 1)) : 0;
			tt[i] = in && t >= (len[b] + 1) / 2 ? 1 : 0;
			mask[i] = in;
		}
}

static void test_memory_fills(void)
{
	op_begin("alloc/to_device/to_host n=1001");
	tf a = rnd(1001, -1, 1);
	tf z = zeros(1001);
	cmp("roundtrip", a, 0);
	cmp("zeroed alloc", z, 0);
	op_end();

	op_begin("fill n=1001");
	tf f = rnd(1001, -1, 1);
	cpu->fill(f.h, f.n, 0.37f);
	dev->fill(f.d, f.n, 0.37f);
	cmp("x", f, 0);
	op_end();

	for (int k = 0; k < 2; k++) {
		float mean = k ? 1.0f : 0.0f, std = k ? 2.0f : 0.02f;
		uint64_t stream = pt_hash_name(k ? "bert.pooler.dense.weight" : "bert.embeddings.word_embeddings.weight");
		op_begin("fill_normal n=1001 mean=%g std=%g", mean, std);
		tf x = zeros(1001);
		cpu->fill_normal(x.h, x.n, mean, std, 42, stream);
		dev->fill_normal(x.d, x.n, mean, std, 42, stream);
		cmp("x", x, TOL_EW);
		op_end();
	}

	op_begin("scale n=1001");
	tf s = rnd(1001, -3, 3);
	cpu->scale(s.h, s.n, 0.3f);
	dev->scale(s.d, s.n, 0.3f);
	cmp("x", s, TOL_EW);
	op_end();

	size_t nss[2] = { 7, 100003 };
	for (int k = 0; k < 2; k++) {
		op_begin("sumsq n=%zu", nss[k]);
		tf x = rnd(nss[k], -2, 2);
		cmp_scalar("sumsq", cpu->sumsq(x.h, x.n), dev->sumsq(x.d, x.n), TOL_RED);
		op_end();
	}
}

static void test_embedding(void)
{
	enum { B = 3, T = 13, C = 37, V = 50, P = 16 };
	int len[B] = { 13, 7, 1 };
	int32_t ids[B * T], tt[B * T], mask[B * T];
	make_batch(B, T, len, V, ids, tt, mask);

	op_begin("embedding_forward B=%d T=%d C=%d padded", B, T, C);
	ti id = ints(ids, B * T), ty = ints(tt, B * T);
	tf wte = rnd(V * C, -1, 1), wpe = rnd(P * C, -1, 1), wtt = rnd(2 * C, -1, 1);
	tf out = rnd(B * T * C, -1, 1);
	cpu->embedding_forward(out.h, id.h, ty.h, wte.h, wpe.h, wtt.h, B, T, C);
	dev->embedding_forward(out.d, id.d, ty.d, wte.d, wpe.d, wtt.d, B, T, C);
	cmp("out", out, TOL_EW);
	op_end();

	op_begin("embedding_backward B=%d T=%d C=%d pad_id=0", B, T, C);
	id = ints(ids, B * T);
	ty = ints(tt, B * T);
	tf dwte = rnd(V * C, -1, 1), dwpe = rnd(P * C, -1, 1), dwtt = rnd(2 * C, -1, 1);
	tf dout = rnd(B * T * C, -1, 1);
	cpu->embedding_backward(dwte.h, dwpe.h, dwtt.h, dout.h, id.h, ty.h, 0, B, T, C);
	dev->embedding_backward(dwte.d, dwpe.d, dwtt.d, dout.d, id.d, ty.d, 0, B, T, C);
	/* summed in the CPU's row order: the same bits, run after run */
	cmp("dwte", dwte, 0);
	cmp("dwpe", dwpe, 0);
	cmp("dwtt", dwtt, 0);
	op_end();

	/* a batch of 8 x 72 over a vocabulary of 30 ids: every id on many rows,
	 * spread across more rows than a block has threads */
	enum { B2 = 8, T2 = 72, C2 = 96, V2 = 30 };
	int len2[B2] = { 72, 60, 41, 72, 5, 33, 70, 1 };
	int32_t ids2[B2 * T2], tt2[B2 * T2], mask2[B2 * T2];
	make_batch(B2, T2, len2, V2, ids2, tt2, mask2);
	op_begin("embedding_backward B=%d T=%d C=%d V=%d pad_id=0", B2, T2, C2, V2);
	id = ints(ids2, B2 * T2);
	ty = ints(tt2, B2 * T2);
	dwte = rnd(V2 * C2, -1, 1);
	dwpe = rnd(T2 * C2, -1, 1);
	dwtt = rnd(2 * C2, -1, 1);
	dout = rnd(B2 * T2 * C2, -1, 1);
	cpu->embedding_backward(dwte.h, dwpe.h, dwtt.h, dout.h, id.h, ty.h, 0, B2, T2, C2);
	dev->embedding_backward(dwte.d, dwpe.d, dwtt.d, dout.d, id.d, ty.d, 0, B2, T2, C2);
	cmp("dwte", dwte, 0);
	cmp("dwpe", dwpe, 0);
	cmp("dwtt", dwtt, 0);
	op_end();
}

static void test_layernorm(void)
{
	int shapes[3][2] = { { 39, 37 }, { 16, 768 }, { 5, 1000 } };
	for (int k = 0; k < 3; k++) {
		int N = shapes[k][0], C = shapes[k][1];
		op_begin("layernorm_forward N=%d C=%d", N, C);
		tf inp = rnd((size_t)N * C, 2, 4), w = rnd(C, 0.5, 1.5), b = rnd(C, -0.5, 0.5);
		tf out = zeros((size_t)N * C), mean = zeros(N), rstd = zeros(N);
		cpu->layernorm_forward(out.h, mean.h, rstd.h, inp.h, w.h, b.h, N, C, 1e-12f);
		dev->layernorm_forward(out.d, mean.d, rstd.d, inp.d, w.d, b.d, N, C, 1e-12f);
		cmp("out", out, TOL_RED);
		cmp("mean", mean, TOL_RED);
		cmp("rstd", rstd, TOL_RED);
		op_end();

		for (int alias = 0; alias < 2; alias++) {
			op_begin("layernorm_backward N=%d C=%d%s", N, C, alias ? " dinp=dout" : "");
			inp = rnd((size_t)N * C, 2, 4);
			w = rnd(C, 0.5, 1.5);
			b = rnd(C, -0.5, 0.5);
			out = zeros((size_t)N * C);
			mean = zeros(N);
			rstd = zeros(N);
			/* mean and rstd from the CPU forward, on both sides */
			cpu->layernorm_forward(out.h, mean.h, rstd.h, inp.h, w.h, b.h, N, C, 1e-12f);
			dev->to_device(mean.d, mean.h, N * sizeof(float));
			dev->to_device(rstd.d, rstd.h, N * sizeof(float));
			tf dout = rnd((size_t)N * C, -1, 1), dw = rnd(C, -1, 1), db = rnd(C, -1, 1);
			tf dinp = alias ? dout : zeros((size_t)N * C);
			cpu->layernorm_backward(dinp.h, dw.h, db.h, dout.h, inp.h, w.h, mean.h, rstd.h, N, C);
			dev->layernorm_backward(dinp.d, dw.d, db.d, dout.d, inp.d, w.d, mean.d, rstd.d, N, C);
			cmp("dinp", dinp, TOL_RED);
			cmp("dw", dw, TOL_RED);
			cmp("db", db, TOL_RED);
			op_end();
		}
	}
}

static void test_matmul(void)
{
	int shapes[2][3] = { { 39, 37, 45 }, { 32, 256, 1024 } };
	for (int k = 0; k < 2; k++) {
		int N = shapes[k][0], C = shapes[k][1], OC = shapes[k][2];
		for (int use_bias = 0; use_bias < 2; use_bias++) {
			op_begin("matmul_forward N=%d C=%d OC=%d%s", N, C, OC, use_bias ? "" : " bias=NULL");
			tf inp = rnd((size_t)N * C, -1, 1), w = rnd((size_t)OC * C, -1, 1), b = rnd(OC, -1, 1);
			tf out = rnd((size_t)N * OC, -1, 1);
			cpu->matmul_forward(out.h, inp.h, w.h, NULL, use_bias ? b.h : NULL, N, C, OC);
			dev->matmul_forward(out.d, inp.d, w.d, NULL, use_bias ? b.d : NULL, N, C, OC);
			cmp("out", out, TOL_RED);
			op_end();
		}
		/* variant 0: dinp written; 1: dinp accumulated; 2: no dinp, no dbias */
		for (int v = 0; v < 3; v++) {
			op_begin("matmul_backward N=%d C=%d OC=%d%s", N, C, OC,
				 v == 0 ? "" : v == 1 ? " accumulate" : " dinp=dbias=NULL");
			tf inp = rnd((size_t)N * C, -1, 1), w = rnd((size_t)OC * C, -1, 1);
			tf dout = rnd((size_t)N * OC, -1, 1);
			tf dinp = rnd((size_t)N * C, -1, 1), dw = rnd((size_t)OC * C, -1, 1), db = rnd(OC, -1, 1);
			cpu->matmul_backward(v < 2 ? dinp.h : NULL, dw.h, v < 2 ? db.h : NULL, dout.h, inp.h, w.h, NULL, N, C, OC, v == 1);
			dev->matmul_backward(v < 2 ? dinp.d : NULL, dw.d, v < 2 ? db.d : NULL, dout.d, inp.d, w.d, NULL, N, C, OC, v == 1);
			cmp("dinp", dinp, TOL_RED);
			cmp("dw", dw, TOL_RED);
			cmp("db", db, TOL_RED);
			op_end();
		}
	}
}

static void test_pooler(void)
{
	enum { B = 3, T = 13, C = 37 };
	op_begin("pooler_forward B=%d T=%d C=%d", B, T, C);
	tf hidden = rnd(B * T * C, -1, 1), w = rnd(C * C, -0.3f, 0.3f), b = rnd(C, -0.5, 0.5);
	tf out = zeros(B * C);
	cpu->pooler_forward(out.h, hidden.h, w.h, NULL, b.h, B, T, C);
	dev->pooler_forward(out.d, hidden.d, w.d, NULL, b.d, B, T, C);
	cmp("out", out, TOL_RED);
	op_end();

	op_begin("pooler_backward B=%d T=%d C=%d", B, T, C);
	hidden = rnd(B * T * C, -1, 1);
	w = rnd(C * C, -0.3f, 0.3f);
	out = rnd(B * C, -0.9f, 0.9f);
	tf dout = rnd(B * C, -1, 1), dw = rnd(C * C, -1, 1), db = rnd(C, -1, 1);
	tf dhidden = rnd(B * T * C, -1, 1);
	cpu->pooler_backward(dhidden.h, dw.h, db.h, dout.h, hidden.h, out.h, w.h, NULL, B, T, C);
	dev->pooler_backward(dhidden.d, dw.d, db.d, dout.d, hidden.d, out.d, w.d, NULL, B, T, C);
	cmp("dhidden", dhidden, TOL_RED);
	cmp("dw", dw, TOL_RED);
	cmp("db", db, TOL_RED);
	cmp("dout (overwritten)", dout, TOL_EW);
	op_end();
}

static void test_attention(void)
{
	struct { int B, T, C, NH; float p; int separate; } cases[] = {
		{ 3, 13, 32, 4, 0.1f, 1 },
		{ 3, 13, 32, 4, 0.0f, 0 },
		{ 2, 64, 128, 2, 0.1f, 1 },
		{ 2, 40, 96, 3, 0.0f, 1 },
	};
	const uint64_t seed = 42, stream = 7 * 1000 + 3;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int B = cases[k].B, T = cases[k].T, C = cases[k].C, NH = cases[k].NH, sep = cases[k].separate;
		float p = cases[k].p;
		int len[3] = { T, T / 2 + 1, 1 };
		int32_t *ids = malloc(sizeof(int32_t) * 3 * B * T);
		if (!ids)
			exit(1);
		make_batch(B, T, len, 30, ids, ids + B * T, ids + 2 * B * T);
		size_t BTC = (size_t)B * T * C, A = (size_t)B * NH * T * T;

		op_begin("attention_forward B=%d T=%d C=%d NH=%d p=%g%s", B, T, C, NH, p, sep ? "" : " att_drop=att");
		ti mask = ints(ids + 2 * B * T, B * T);
		tf q = rnd(BTC, -1, 1), kk = rnd(BTC, -1, 1), v = rnd(BTC, -1, 1);
		tf ctx = zeros(BTC), att = zeros(A), att_drop = sep ? zeros(A) : att;
		cpu->attention_forward(ctx.h, att.h, att_drop.h, q.h, kk.h, v.h, mask.h, B, T, C, NH, p, seed, stream);
		dev->attention_forward(ctx.d, att.d, att_drop.d, q.d, kk.d, v.d, mask.d, B, T, C, NH, p, seed, stream);
		cmp("ctx", ctx, TOL_RED);
		cmp("att", att, TOL_RED);
		if (sep)
			cmp("att_drop", att_drop, TOL_RED);
		if (p > 0)
			cmp_mask("att_drop", att_drop);
		op_end();

		op_begin("attention_backward B=%d T=%d C=%d NH=%d p=%g%s", B, T, C, NH, p, sep ? "" : " att_drop=att");
		mask = ints(ids + 2 * B * T, B * T);
		q = rnd(BTC, -1, 1);
		kk = rnd(BTC, -1, 1);
		v = rnd(BTC, -1, 1);
		ctx = zeros(BTC);
		att = zeros(A);
		att_drop = sep ? zeros(A) : att;
		/* att, att_drop from the CPU forward, on both sides */
		cpu->attention_forward(ctx.h, att.h, att_drop.h, q.h, kk.h, v.h, mask.h, B, T, C, NH, p, seed, stream);
		dev->to_device(att.d, att.h, A * sizeof(float));
		dev->to_device(att_drop.d, att_drop.h, A * sizeof(float));
		tf dctx = rnd(BTC, -1, 1), dq = rnd(BTC, -1, 1), dk = rnd(BTC, -1, 1), dv = rnd(BTC, -1, 1);
		tf datt = zeros(A);
		cpu->attention_backward(dq.h, dk.h, dv.h, datt.h, dctx.h, att.h, att_drop.h, q.h, kk.h, v.h,
					B, T, C, NH, p, seed, stream);
		dev->attention_backward(dq.d, dk.d, dv.d, datt.d, dctx.d, att.d, att_drop.d, q.d, kk.d, v.d,
					B, T, C, NH, p, seed, stream);
		cmp("dq", dq, TOL_RED);
		cmp("dk", dk, TOL_RED);
		cmp("dv", dv, TOL_RED);
		op_end();
		free(ids);
	}
}

static void test_gelu_dropout(void)
{
	enum { N = 1001 };
	op_begin("gelu_forward n=%d", N);
	tf x = rnd(N, -5, 5), out = zeros(N);
	cpu->gelu_forward(out.h, x.h, N);
	dev->gelu_forward(out.d, x.d, N);
	cmp("out", out, TOL_EW);
	op_end();

	for (int alias = 0; alias < 2; alias++) {
		op_begin("gelu_backward n=%d%s", N, alias ? " dinp=dout" : "");
		x = rnd(N, -5, 5);
		tf dout = rnd(N, -1, 1), dinp = alias ? dout : zeros(N);
		cpu->gelu_backward(dinp.h, x.h, dout.h, N);
		dev->gelu_backward(dinp.d, x.d, dout.d, N);
		cmp("dinp", dinp, TOL_EW);
		op_end();
	}

	const uint64_t seed = 42, stream = pt_hash_name("bert.encoder.layer.0.output.dropout");
	/* variants: resid, in place (out = inp), p */
	struct { int resid, inplace; float p; } fw[] = {
		{ 0, 0, 0.1f }, { 1, 0, 0.1f }, { 1, 1, 0.1f }, { 0, 1, 0.1f }, { 1, 0, 0.0f }, { 0, 0, 0.0f },
	};
	for (size_t k = 0; k < sizeof fw / sizeof fw[0]; k++) {
		op_begin("dropout_forward n=%d p=%g%s%s", N, fw[k].p, fw[k].resid ? " resid" : "",
			 fw[k].inplace ? " out=inp" : "");
		tf inp = rnd(N, 0.5f, 1.5f), resid = rnd(N, -1, 1);
		tf o = fw[k].inplace ? inp : zeros(N);
		cpu->dropout_forward(o.h, inp.h, fw[k].resid ? resid.h : NULL, N, fw[k].p, seed, stream);
		dev->dropout_forward(o.d, inp.d, fw[k].resid ? resid.d : NULL, N, fw[k].p, seed, stream);
		cmp("out", o, TOL_EW);
		if (fw[k].p > 0 && !fw[k].resid)
			cmp_mask("out", o);
		op_end();
	}
	struct { int inplace; float p; } bw[] = { { 0, 0.1f }, { 1, 0.1f }, { 0, 0.0f }, { 1, 0.0f } };
	for (size_t k = 0; k < sizeof bw / sizeof bw[0]; k++) {
		op_begin("dropout_backward n=%d p=%g%s", N, bw[k].p, bw[k].inplace ? " dinp=dout" : "");
		tf dout = rnd(N, 0.5f, 1.5f), dinp = bw[k].inplace ? dout : zeros(N);
		cpu->dropout_backward(dinp.h, dout.h, N, bw[k].p, seed, stream);
		dev->dropout_backward(dinp.d, dout.d, N, bw[k].p, seed, stream);
		cmp("dinp", dinp, TOL_EW);
		if (bw[k].p > 0)
			cmp_mask("dinp", dinp);
		op_end();
	}
}

static void test_losses(void)
{
	struct { int B, NL; int32_t labels[5]; } ce[] = {
		{ 5, 3, { 0, 2, -100, 1, 1 } },
		{ 4, 2, { 1, 0, 0, 1 } },
		{ 2, 2, { -100, -100 } },
	};
	for (size_t k = 0; k < sizeof ce / sizeof ce[0]; k++) {
		int B = ce[k].B, NL = ce[k].NL;
		op_begin("crossentropy_forward B=%d NL=%d%s", B, NL, k == 0 ? " ignore=-100" : k == 2 ? " all ignored" : "");
		tf logits = rnd(B * NL, -3, 3), probs = zeros(B * NL);
		ti labels = ints(ce[k].labels, B);
		float lc = cpu->crossentropy_forward(probs.h, logits.h, labels.h, B, NL);
		float ld = dev->crossentropy_forward(probs.d, logits.d, labels.d, B, NL);
		cmp_scalar("loss", lc, ld, TOL_RED);
		cmp("probs", probs, TOL_EW);
		op_end();

		op_begin("crossentropy_backward B=%d NL=%d", B, NL);
		probs = rnd(B * NL, 0, 1);
		labels = ints(ce[k].labels, B);
		tf dlogits = rnd(B * NL, -1, 1);
		cpu->crossentropy_backward(dlogits.h, probs.h, labels.h, B, NL);
		dev->crossentropy_backward(dlogits.d, probs.d, labels.d, B, NL);
		cmp("dlogits", dlogits, TOL_EW);
		op_end();
	}

	op_begin("mse_forward n=7");
	tf x = rnd(7, -2, 2), y = rnd(7, 0, 5);
	cmp_scalar("loss", cpu->mse_forward(x.h, y.h, 7), dev->mse_forward(x.d, y.d, 7), TOL_RED);
	op_end();

	op_begin("mse_backward n=7");
	x = rnd(7, -2, 2);
	y = rnd(7, 0, 5);
	tf dx = rnd(7, -1, 1);
	cpu->mse_backward(dx.h, x.h, y.h, 7);
	dev->mse_backward(dx.d, x.d, y.d, 7);
	cmp("dx", dx, TOL_EW);
	op_end();
}

static void test_adamw(void)
{
	int64_t steps[2] = { 1, 10 };
	for (int k = 0; k < 2; k++) {
		float wd = k ? 0.01f : 0.0f, gs = k ? 0.37f : 1.0f;
		op_begin("adamw_update n=1003 t=%lld wd=%g gscale=%g", (long long)steps[k], wd, gs);
		tf p = rnd(1003, -1, 1), g = rnd(1003, -0.1f, 0.1f), m = rnd(1003, -0.01f, 0.01f),
		   v = rnd(1003, 0, 1e-4f);
		cpu->adamw_update(p.h, NULL, g.h, gs, m.h, v.h, 1003, 5e-5f, 0.9f, 0.999f, 1e-8f, wd, steps[k]);
		dev->adamw_update(p.d, NULL, g.d, gs, m.d, v.d, 1003, 5e-5f, 0.9f, 0.999f, 1e-8f, wd, steps[k]);
		cmp("p", p, TOL_EW);
		cmp("m", m, TOL_EW);
		cmp("v", v, TOL_EW);
		op_end();
	}
}

/* the packed rows of a padded batch (rows 0 and M-1 padding) and back,
 * scattered over stale contents: exact */
static void test_rows(void)
{
	enum { M = 75, C = 37 };
	int32_t rows[M];
	int N = 0;
	for (int r = 1; r < M - 1; r++)
		if (r % 4 != 1)
			rows[N++] = r;
	op_begin("rows_gather/rows_scatter N=%d M=%d C=%d", N, M, C);
	ti rw = ints(rows, N);
	tf pad = rnd((size_t)M * C, -1, 1), packed = rnd((size_t)N * C, -1, 1), back = rnd((size_t)M * C, -1, 1);
	cpu->rows_gather(packed.h, pad.h, rw.h, N, C);
	dev->rows_gather(packed.d, pad.d, rw.d, N, C);
	cmp("packed", packed, 0);
	cpu->rows_scatter(back.h, packed.h, rw.h, N, M, C);
	dev->rows_scatter(back.d, packed.d, rw.d, N, M, C);
	cmp("padded", back, 0);
	op_end();
}

static void run_all(void)
{
	n_pass = n_fail = 0;
	failed_ops[0] = 0;
	input_stream = 1;
	test_memory_fills();
	test_embedding();
	test_rows();
	test_layernorm();
	test_matmul();
	test_pooler();
	test_attention();
	test_gelu_dropout();
	test_losses();
	test_adamw();
}

/* ---- --self-check: a deliberately wrong backend must be caught ---- */

static void bad_gelu_forward(float *out, const float *inp, size_t n)
{
	pt_cpu_backend.gelu_forward(out, inp, n);
	out[n / 2] += 0.01f;   /* far above the tolerance whatever the input there */
}

static void bad_dropout_forward(float *out, const float *inp, const float *resid, size_t n,
				float p, uint64_t seed, uint64_t stream)
{
	pt_cpu_backend.dropout_forward(out, inp, resid, n, p, seed, stream + 1);
}

static int self_check(void)
{
	dev = &pt_cpu_backend;
	run_all();
	printf("self-check, cpu against cpu: %d passed, %d failed\n", n_pass, n_fail);
	if (n_fail)
		return 1;
	static pt_backend broken;
	broken = pt_cpu_backend;
	broken.gelu_forward = bad_gelu_forward;
	broken.dropout_forward = bad_dropout_forward;
	dev = &broken;
	verbose = 0;
	run_all();
	/* expected failures: gelu_forward and the 4 dropout_forward calls with
	 * p > 0 (the CPU attention calls its own dropout, not the table's) */
	printf("self-check, cpu against broken cpu: %d passed, %d failed:%s\n", n_pass, n_fail, failed_ops);
	int expect = 1 + 4;
	if (n_fail != expect || !strstr(failed_ops, "gelu_forward") || !strstr(failed_ops, "dropout_forward n=1001 p=0.1")) {
		printf("self-check: expected exactly %d failures (gelu_forward, dropout_forward p=0.1)\n", expect);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "--self-check") == 0)
		return self_check();
	if (argc > 1) {
		fprintf(stderr, "usage: test_cuda_ops [--self-check]\n");
		return 2;
	}
	if (!pt_cuda_available()) {
		printf("skipped: no CUDA device\n");
		return 77;
	}
	dev = pt_cuda_backend_get();
	run_all();
	printf("cuda ops: %d passed, %d failed%s%s\n", n_pass, n_fail, n_fail ? ":" : "", failed_ops);
	return n_fail ? 1 : 0;
}
