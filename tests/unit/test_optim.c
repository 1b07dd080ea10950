/* AdamW + clip_grad_norm_ + the linear schedule: 10 training steps of the
 * tiny BERT against torch.optim.AdamW, torch.nn.utils.clip_grad_norm_ and
 * transformers.get_linear_schedule_with_warmup (make_bert_fixtures.py). */
#include "test_bert_common.h"
#include "optim.h"

static void test_schedule(void **state)
{
	(void)state;
	assert_true(linear_schedule_lr(1.0, 0, 2, 10) == 0.0);
	assert_true(fabs(linear_schedule_lr(1.0, 1, 2, 10) - 0.5) < 1e-12);
	assert_true(fabs(linear_schedule_lr(1.0, 2, 2, 10) - 1.0) < 1e-12);
	assert_true(fabs(linear_schedule_lr(1.0, 6, 2, 10) - 0.5) < 1e-12);
	assert_true(linear_schedule_lr(1.0, 10, 2, 10) == 0.0);
	assert_true(linear_schedule_lr(1.0, 12, 2, 10) == 0.0);
	/* no warm-up: Trainer's default, lr 5e-5 decaying over 1377 steps */
	assert_true(fabs(linear_schedule_lr(5e-5, 0, 0, 1377) - 5e-5) < 1e-18);
	assert_true(fabs(linear_schedule_lr(5e-5, 1376, 0, 1377) - 5e-5 / 1377) < 1e-15);
	st_file *f = st_open(fixture("tiny_train.safetensors"));
	size_t n;
	float *lrs = read_f32(f, "lrs", &n);
	assert_int_equal(n, 10);
	for (int i = 0; i < 10; i++)
		assert_true(fabs(linear_schedule_lr(5e-4, i, 2, 10) - lrs[i]) <= 1e-7 * 5e-4);
	free(lrs);
	st_close(f);
}

static bert_model *tiny(bert_config *cfg)
{
	return load_model(fixture("tiny"), cfg);
}

/* Zero gradients: Adam's update is 0, so only the decoupled decay shows,
 * and only on tensors outside the Trainer's no-decay group. */
static void test_weight_decay_groups(void **state)
{
	(void)state;
	bert_config cfg;
	bert_model *m = tiny(&cfg);
	size_t n;
	float *p = bert_params(m, &n);
	float *before = pt_malloc(sizeof(float) * n);
	memcpy(before, p, sizeof(float) * n);
	adamw_state s;
	adamw_init(&s, n, 0.1f);
	bert_zero_grad(m);
	adamw_step(&s, m, 0.5f);
	assert_int_equal(s.step, 1);
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *q = bert_param_at(m, i);
		const float *b0 = before + (q->data - p);
		float f = q->no_decay ? 1.0f : 1.0f - 0.5f * 0.1f;
		for (size_t j = 0; j < q->numel; j++)
			if (fabsf(q->data[j] - b0[j] * f) > 1e-7f)
				fail_msg("%s[%zu]: %g, expected %g", q->name, j, q->data[j], b0[j] * f);
	}
	adamw_free(&s);
	free(before);
	bert_free(m);
	bert_config_free(&cfg);
}

static void test_clip(void **state)
{
	(void)state;
	bert_config cfg;
	bert_model *m = tiny(&cfg);
	size_t n;
	float *g = bert_grads(m, &n);
	for (size_t i = 0; i < n; i++)
		g[i] = (i % 2 ? 1.0f : -1.0f) * 0.01f;
	double norm = clip_grad_norm(m, 10.0);   /* below the limit: untouched */
	assert_true(fabs(norm - 0.01 * sqrt((double)n)) < 1e-6 * norm);
	assert_true(g[0] == -0.01f);
	norm = clip_grad_norm(m, 0.5);
	double after = 0;
	for (size_t i = 0; i < n; i++)
		after += (double)g[i] * g[i];
	assert_true(fabs(sqrt(after) - 0.5 * norm / (norm + 1e-6)) < 1e-5);
	bert_free(m);
	bert_config_free(&cfg);
}

/* clip_grad_norm then adamw_step, and adamw_step_scaled with clip_factor:
 * the same parameters and moments, bit for bit, clipping or not. */
static void test_clip_in_update(void **state)
{
	(void)state;
	for (int clip = 0; clip < 2; clip++) {
		bert_config ca, cb;
		bert_model *a = tiny(&ca), *b = tiny(&cb);
		size_t n;
		float *ga = bert_grads(a, &n), *gb = bert_grads(b, NULL);
		for (size_t i = 0; i < n; i++)
			ga[i] = gb[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
		adamw_state sa, sb;
		adamw_init(&sa, n, 0.01f);
		adamw_init(&sb, n, 0.01f);
		double max_norm = clip ? 1.0 : 1e9;
		for (int step = 0; step < 3; step++) {
			double na = clip_grad_norm(a, max_norm);
			adamw_step(&sa, a, 1e-3f);
			double nb = grad_global_norm(b);
			assert_true(na == nb);
			assert_true(clip ? clip_factor(nb, max_norm) < 1.0f : clip_factor(nb, max_norm) == 1.0f);
			adamw_step_scaled(&sb, b, 1e-3f, clip_factor(nb, max_norm));
			for (size_t i = 0; i < n; i++)   /* a's were scaled in place */
				ga[i] = gb[i];
		}
		assert_memory_equal(bert_params(a, NULL), bert_params(b, NULL), n * sizeof(float));
		assert_memory_equal(sa.m, sb.m, n * sizeof(float));
		assert_memory_equal(sa.v, sb.v, n * sizeof(float));
		adamw_free(&sa);
		adamw_free(&sb);
		bert_free(a);
		bert_free(b);
		bert_config_free(&ca);
		bert_config_free(&cb);
	}
}

/* GradScaler's schedule: 2^16, halved (and the step skipped) on an
 * overflow, doubled after 2000 finite steps in a row; off: always a step. */
static void test_grad_scaler(void **state)
{
	(void)state;
	grad_scaler s;
	grad_scaler_init(&s, 0);
	assert_true(s.scale == 1.0f);
	assert_int_equal(grad_scaler_update(&s, INFINITY), 1);
	assert_true(s.scale == 1.0f);
	grad_scaler_init(&s, 1);
	assert_true(s.scale == 65536.0f);
	assert_int_equal(grad_scaler_update(&s, 3.0), 1);
	assert_int_equal(grad_scaler_update(&s, NAN), 0);
	assert_true(s.scale == 32768.0f);
	assert_int_equal(grad_scaler_update(&s, INFINITY), 0);
	assert_true(s.scale == 16384.0f);
	for (int i = 0; i < 1999; i++)
		assert_int_equal(grad_scaler_update(&s, 1.0), 1);
	assert_true(s.scale == 16384.0f);
	assert_int_equal(grad_scaler_update(&s, 1.0), 1);   /* the 2000th */
	assert_true(s.scale == 32768.0f);
	assert_true(s.good == 0);
}

/* Ten steps as the Trainer takes them: every tensor's update (final -
 * initial) within 1% (norm-relative) of torch's, and the same grad norms. */
static void test_ten_steps(void **state)
{
	(void)state;
	bert_config cfg;
	bert_model *m = tiny(&cfg);
	st_file *f = st_open(fixture("tiny_train.safetensors"));
	size_t n, nids;
	int32_t *ids = read_i32(f, "batches.input_ids", &nids);
	int32_t *tt = read_i32(f, "batches.token_type_ids", NULL);
	int32_t *mask = read_i32(f, "batches.attention_mask", NULL);
	int32_t *labels = read_i32(f, "batches.labels", NULL);
	float *norms = read_f32(f, "grad_norms", NULL);
	const st_tensor *t = need(f, "batches.input_ids");
	int B = (int)t->shape[1], T = (int)t->shape[2];
	float *p = bert_params(m, &n);
	float *init = pt_malloc(sizeof(float) * n);
	memcpy(init, p, sizeof(float) * n);
	adamw_state s;
	adamw_init(&s, n, 0.01f);
	for (int step = 0; step < 10; step++) {
		int k = step % 2;
		bert_batch b = { B, T, ids + (size_t)k * B * T, tt + (size_t)k * B * T, mask + (size_t)k * B * T,
				 labels + (size_t)k * B, NULL };
		bert_zero_grad(m);
		bert_forward(m, &b, 1, (uint64_t)step, NULL);
		bert_backward(m);
		double norm = grad_global_norm(m);   /* clipping inside the update, as train does */
		if (!(fabs(norm - norms[step]) <= 1e-4 * norms[step]))
			fail_msg("step %d: grad norm %.7g, torch %.7g", step, norm, norms[step]);
		adamw_step_scaled(&s, m, (float)linear_schedule_lr(5e-4, step, 2, 10), clip_factor(norm, 1.0));
	}
	double worst = 0;
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *q = bert_param_at(m, i);
		char name[160];
		snprintf(name, sizeof name, "final.%s", q->name);
		float *fin = read_f32(f, name, NULL);
		const float *i0 = init + (q->data - p);
		double dd = 0, rr = 0, amax = 0;
		for (size_t j = 0; j < q->numel; j++) {
			double ref = (double)fin[j] - i0[j], got = (double)q->data[j] - i0[j];
			amax = fmax(amax, fmax(fabs(ref), fabs(got)));
		}
		if (strstr(q->name, "attention.self.key.bias")) {
			/* its gradient is 0 in exact arithmetic (softmax ignores a
			 * per-row constant): Adam turns rounding noise (~1e-10) into
			 * tiny random updates on both sides; they must stay tiny */
			if (!(amax < 0.5 * 5e-4))   /* normal tensors move ~10x more */
				fail_msg("%s: update %.3g, expected ~0", q->name, amax);
			free(fin);
			continue;
		}
		for (size_t j = 0; j < q->numel; j++) {
			double ref = (double)fin[j] - i0[j], got = (double)q->data[j] - i0[j];
			dd += (got - ref) * (got - ref);
			rr += ref * ref;
		}
		assert_true(rr > 0);   /* every tensor moved */
		double e = sqrt(dd / rr);
		worst = e > worst ? e : worst;
		if (!(e <= 0.01))
			fail_msg("%s: update differs from torch's by %.3g of its norm", q->name, e);
		free(fin);
	}
	print_message("worst norm-relative update error: %.3g\n", worst);
	adamw_free(&s);
	free(init);
	free(ids);
	free(tt);
	free(mask);
	free(labels);
	free(norms);
	st_close(f);
	bert_free(m);
	bert_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_weight_decay_groups),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_clip_in_update),
		cmocka_unit_test(test_grad_scaler),
		cmocka_unit_test(test_ten_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
