/* --precision bf16 on the CPU (oneDNN) against tests/golden/
 * make_bf16_fixtures.py, on the tiny model of test_bert.c; skipped where
 * the CPU has no bf16 instructions (pt_cpu_bf16_available).
 *
 * Tolerances. u = 2^-8 is bf16's unit roundoff. Errors are measured per
 * tensor as ||got - ref|| / max(||ref||, floor) (Euclidean norms; the floor,
 * 1e-3 of the largest reference gradient, keeps tensors whose exact
 * gradient is 0 from comparing rounding noise to noise).
 *
 * - Against "emu" (the same bf16 semantics in float64) the two sides round
 *   the same fp32 values to bf16, so what differs is fp32 arithmetic: a
 *   sum of K products in fp32 errs by at most K 2^-24 of the sum of
 *   magnitudes (the longest reduction here: K = N = 40 tokens, in a weight
 *   gradient: 2.4e-6), and the rare bf16 rounding that flips because an
 *   fp32 input differs in its last bit, which moves one of K terms by u.
 *   TOL_EMU = u/64 (6.1e-5) bounds both with room (measured: 3.1e-7). One
 *   product whose inputs are not rounded (left in fp32) moves its output by
 *   about u/sqrt(3) (the inputs' rounding errors, uniform in +-u), one
 *   whose output is rounded to bf16 as well (twice-rounded) by about as
 *   much: either fails by 30x or more (checked: the intermediate dense in
 *   fp32 gives 2.0e-3 on the logits, its output rounded 2.4e-3).
 * - Against "amp" (torch.autocast on the fp32 model) torch also rounds each
 *   product's output to bf16 and runs the ops after it in bf16: one more
 *   rounding of u per product and per op on the path, about 3 of them
 *   along each layer's path and 2 layers back and forth: TOL_AMP = 16 u
 *   (6.25e-2), with the worst measured at 2.4 u.
 * - 10 AdamW steps against torch's (amp): Adam divides the gradient by its
 *   own scale, so the update inherits the gradient's relative error,
 *   bounded by TOL_AMP above: the update (final - initial weights) and the
 *   gradient norms within TOL_AMP of torch's, norm-wise per tensor
 *   (measured: 8 u). */
#include "test_bert_common.h"
#include "backend/backend.h"
#include "backend/cpu/ops.h"
#include "optim.h"

#define U (1.0 / 256)
#define TOL_EMU (U / 64)
#define TOL_AMP (16 * U)

static int skip_without_bf16(void)
{
	if (pt_cpu_bf16_available())
		return 0;
	print_message("skipped: this CPU has no bf16 instructions (AVX512-BF16 or AMX)\n");
	skip();
	return 1;
}

/* ||a - ref|| / max(||ref||, floor) */
static double nrel(const float *a, const float *ref, size_t n, double floor)
{
	double d = 0, r = 0;
	for (size_t i = 0; i < n; i++) {
		d += ((double)a[i] - ref[i]) * ((double)a[i] - ref[i]);
		r += (double)ref[i] * ref[i];
	}
	d = sqrt(d);
	r = sqrt(r);
	if (r < floor)
		r = floor;
	return r > 0 ? d / r : d;
}

typedef struct {
	int32_t *ids, *tt, *mask, *labels;
	bert_batch b;
} batch;

static void batch_read(batch *bt, st_file *f, const char *prefix, int k)
{
	char name[64];
	size_t n;
	snprintf(name, sizeof name, "%sinput_ids", prefix);
	const st_tensor *t = need(f, name);
	int two = t->ndim == 3, B = (int)t->shape[two], T = (int)t->shape[two + 1];
	bt->ids = read_i32(f, name, &n);
	snprintf(name, sizeof name, "%stoken_type_ids", prefix);
	bt->tt = read_i32(f, name, NULL);
	snprintf(name, sizeof name, "%sattention_mask", prefix);
	bt->mask = read_i32(f, name, NULL);
	snprintf(name, sizeof name, "%slabels", prefix);
	bt->labels = read_i32(f, name, NULL);
	size_t o = (size_t)k * B * T;
	bt->b = (bert_batch){ B, T, bt->ids + o, bt->tt + o, bt->mask + o, bt->labels + (size_t)k * B, NULL };
}

static void batch_drop(batch *bt)
{
	free(bt->ids);
	free(bt->tt);
	free(bt->mask);
	free(bt->labels);
}

static bert_model *bf16_model(bert_config *cfg)
{
	pt_cpu_set_precision(PT_BF16);
	bert_model *m = load_model(fixture("tiny"), cfg);
	bert_set_precision(m, PT_BF16);
	return m;
}

static void fp32_again(bert_model *m, bert_config *cfg)
{
	bert_free(m);
	bert_config_free(cfg);
	pt_cpu_set_precision(PT_FP32);
}

/* logits, loss and every gradient against ref ("emu" or "amp") within tol */
static void golden(const char *ref, double tol)
{
	if (skip_without_bf16())
		return;
	bert_config cfg;
	bert_model *m = bf16_model(&cfg);
	st_file *in = st_open(fixture("tiny_cls.safetensors")), *f = st_open(fixture("tiny_bf16.safetensors"));
	batch bt;
	batch_read(&bt, in, "", 0);
	char name[200];
	size_t n;
	float logits[64];
	bert_zero_grad(m);
	float loss = bert_forward(m, &bt.b, 1, 42, logits);
	bert_backward(m);
	snprintf(name, sizeof name, "%s.logits", ref);
	float *rl = read_f32(f, name, &n);
	double worst = nrel(logits, rl, n, 0);
	if (!(worst <= tol))
		fail_msg("%s: logits: error %.3g > %.3g", ref, worst, tol);
	snprintf(name, sizeof name, "%s.loss", ref);
	float *rloss = read_f32(f, name, NULL);
	double e = nrel(&loss, rloss, 1, 0);
	if (!(e <= tol))
		fail_msg("%s: loss %.8g, reference %.8g: error %.3g > %.3g", ref, loss, *rloss, e, tol);
	double gmax = 0;
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		snprintf(name, sizeof name, "%s.grad.%s", ref, p->name);
		float *g = read_f32(f, name, &n);
		double s = 0;
		for (size_t j = 0; j < n; j++)
			s += (double)g[j] * g[j];
		gmax = fmax(gmax, sqrt(s));
		free(g);
	}
	const char *worst_name = "logits";
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		snprintf(name, sizeof name, "%s.grad.%s", ref, p->name);
		float *g = read_f32(f, name, &n);
		assert_int_equal(n, p->numel);
		e = nrel(p->grad, g, n, 1e-3 * gmax);
		if (!(e <= tol))
			fail_msg("%s: %s: error %.3g > %.3g", ref, name, e, tol);
		if (e > worst) {
			worst = e;
			worst_name = p->name;
		}
		free(g);
	}
	print_message("%s: worst error %.3g (%.3g u) in %s\n", ref, worst, worst / U, worst_name);
	free(rl);
	free(rloss);
	batch_drop(&bt);
	st_close(in);
	st_close(f);
	fp32_again(m, &cfg);
}

static void test_golden_emu(void **state)
{
	(void)state;
	golden("emu", TOL_EMU);
}

static void test_golden_amp(void **state)
{
	(void)state;
	golden("amp", TOL_AMP);
}

/* 10 AdamW steps as test_optim.c's test_ten_steps, in bf16; the bf16
 * copies of the weights kept by the updates */
static void ten_steps(const char *ref, double tol)
{
	if (skip_without_bf16())
		return;
	bert_config cfg;
	bert_model *m = bf16_model(&cfg);
	st_file *tr = st_open(fixture("tiny_train.safetensors")), *f = st_open(fixture("tiny_bf16.safetensors"));
	batch bt[2];
	batch_read(&bt[0], tr, "batches.", 0);
	batch_read(&bt[1], tr, "batches.", 1);
	size_t n;
	float *p = bert_params(m, &n);
	float *init = pt_malloc(sizeof(float) * n);
	memcpy(init, p, sizeof(float) * n);
	char name[200];
	snprintf(name, sizeof name, "%s.train.grad_norms", ref);
	float *norms = read_f32(f, name, NULL);
	adamw_state s;
	adamw_init_for(&s, m, 0.01f);
	for (int step = 0; step < 10; step++) {
		bert_zero_grad(m);
		bert_forward(m, &bt[step % 2].b, 1, (uint64_t)step, NULL);
		bert_backward(m);
		double norm = grad_global_norm(m);
		if (!(fabs(norm - norms[step]) <= tol * norms[step]))
			fail_msg("%s: step %d: grad norm %.7g, reference %.7g", ref, step, norm, norms[step]);
		adamw_step_scaled(&s, m, (float)linear_schedule_lr(5e-4, step, 2, 10), clip_factor(norm, 1.0));
	}
	/* the bf16 copies are the weights, rounded, after every update */
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *q = bert_param_at(m, i);
		for (size_t j = 0; q->data16 && j < q->numel; j++)
			if (q->data16[j] != pt_bf16_round(q->data[j]))
				fail_msg("%s[%zu]: bf16 copy 0x%04x, weight %.9g", q->name, j, q->data16[j], q->data[j]);
	}
	double worst = 0;
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *q = bert_param_at(m, i);
		if (strstr(q->name, "attention.self.key.bias"))
			continue;   /* exact gradient 0: Adam moves it by noise (test_optim.c) */
		snprintf(name, sizeof name, "%s.train.final.%s", ref, q->name);
		float *fin = read_f32(f, name, NULL);
		const float *i0 = init + (q->data - p);
		double dd = 0, rr = 0;
		for (size_t j = 0; j < q->numel; j++) {
			double want = (double)fin[j] - i0[j], got = (double)q->data[j] - i0[j];
			dd += (got - want) * (got - want);
			rr += want * want;
		}
		assert_true(rr > 0);
		double e = sqrt(dd / rr);
		worst = fmax(worst, e);
		if (!(e <= tol))
			fail_msg("%s: %s: update differs by %.3g of its norm (> %.3g)", ref, q->name, e, tol);
		free(fin);
	}
	print_message("%s: worst norm-relative update error %.3g\n", ref, worst);
	adamw_free(&s);
	free(init);
	free(norms);
	batch_drop(&bt[0]);
	batch_drop(&bt[1]);
	st_close(tr);
	st_close(f);
	fp32_again(m, &cfg);
}

static void test_ten_steps_amp(void **state)
{
	(void)state;
	ten_steps("amp", TOL_AMP);
}

/* Same bits from run to run (and through a primitive-cache hit), bf16
 * differing from fp32, and fp32 unchanged after a bf16 run. */
static void test_deterministic(void **state)
{
	(void)state;
	if (skip_without_bf16())
		return;
	bert_config cfg;
	st_file *in = st_open(fixture("tiny_cls.safetensors"));
	batch bt;
	batch_read(&bt, in, "", 0);
	size_t n;
	float *g[3];
	for (int r = 0; r < 3; r++) {
		bert_model *m = r < 2 ? bf16_model(&cfg) : load_model(fixture("tiny"), &cfg);
		bert_zero_grad(m);
		bert_forward(m, &bt.b, 1, 42, NULL);
		bert_backward(m);
		float *gr = bert_grads(m, &n);
		g[r] = pt_malloc(sizeof(float) * n);
		memcpy(g[r], gr, sizeof(float) * n);
		if (r < 2)
			fp32_again(m, &cfg);
		else {
			bert_free(m);
			bert_config_free(&cfg);
		}
	}
	assert_memory_equal(g[0], g[1], sizeof(float) * n);
	assert_true(nrel(g[0], g[2], n, 0) > 1e-4);   /* bf16 really ran */
	for (int r = 0; r < 3; r++)
		free(g[r]);
	batch_drop(&bt);
	st_close(in);
}

/* pt_bf16_round is torch's .to(torch.bfloat16): to nearest, ties to even */
static void test_round(void **state)
{
	(void)state;
	static const struct { uint32_t in; uint16_t out; } cases[] = {
		{ 0x3f800000, 0x3f80 },   /* 1 */
		{ 0x3f808000, 0x3f80 },   /* tie, even below */
		{ 0x3f818000, 0x3f82 },   /* tie, even above */
		{ 0x3f808001, 0x3f81 },   /* above the tie */
		{ 0xbf807fff, 0xbf80 },   /* below the tie, negative */
		{ 0x7f7fffff, 0x7f80 },   /* FLT_MAX rounds to inf, as in torch */
		{ 0x7f800000, 0x7f80 },   /* inf */
		{ 0x00000001, 0x0000 },   /* denormal */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		float x;
		memcpy(&x, &cases[i].in, 4);
		assert_int_equal(pt_bf16_round(x), cases[i].out);
		uint16_t v;
		cpu_to_bf16(&v, &x, 1);
		assert_int_equal(v, cases[i].out);
	}
	float nan = NAN;
	uint16_t h = pt_bf16_round(nan);
	assert_true((h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0);
	/* cpu_to_bf16's vector body (AVX-512 where the CPU has it), its tail and
	 * its threaded path (n > 65536) round as pt_bf16_round, on the cases
	 * above and on random bit patterns (NaNs, denormals and ties included) */
	size_t n = 70001;
	float *xs = malloc(sizeof(float) * n);
	uint16_t *ys = malloc(sizeof(uint16_t) * n);
	uint32_t s = 12345;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = i < sizeof cases / sizeof cases[0] ? cases[i].in : (s = s * 1664525u + 1013904223u);
		memcpy(&xs[i], &u, 4);
	}
	for (size_t len = 1; len <= n; len = len * 3 + 1) {   /* 1, 4, 13, ..., 22144 then all */
		cpu_to_bf16(ys, xs, len);
		for (size_t i = 0; i < len; i++)
			if (ys[i] != pt_bf16_round(xs[i]))
				fail_msg("cpu_to_bf16 of %zu: element %zu = 0x%04x, want 0x%04x", len, i, ys[i],
					 pt_bf16_round(xs[i]));
	}
	cpu_to_bf16(ys, xs, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ys[i], pt_bf16_round(xs[i]));
	free(xs);
	free(ys);
	/* the AdamW update writes the same rounding (vector body and tail) */
	float p[11], g[11], m1[11] = {0}, v1[11] = {0};
	uint16_t p16[11];
	for (int i = 0; i < 11; i++) {
		p[i] = 1.0f + (float)i / 7;
		g[i] = (float)(i - 5) * 0.1f;
	}
	pt_cpu_backend.adamw_update(p, p16, g, 1.0f, m1, v1, 11, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1);
	for (int i = 0; i < 11; i++)
		assert_int_equal(p16[i], pt_bf16_round(p[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_golden_emu),
		cmocka_unit_test(test_golden_amp),
		cmocka_unit_test(test_ten_steps_amp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
