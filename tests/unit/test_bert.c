/* BertForSequenceClassification on the CPU against transformers + torch:
 * logits, loss and the gradient of every parameter (tests/golden/
 * make_bert_fixtures.py), plus properties the fixtures cannot show:
 * dropout determinism and gradients by finite differences with dropout on,
 * batch independence across activation-buffer growth. */
#include "test_bert_common.h"

/* logits, loss and every gradient of one fixture */
static void golden(const char *model_dir, const char *file)
{
	bert_config cfg;
	bert_model *m = load_model(fixture(model_dir), &cfg);
	fixture_batch fb;
	fixture_batch_load(&fb, file);
	int NL = cfg.num_labels;
	float *logits = pt_malloc(sizeof(float) * fb.b.B * NL);
	size_t n;
	float *ref = read_f32(fb.f, "logits", &n);
	assert_int_equal(n, (size_t)fb.b.B * NL);
	float *ref_loss = read_f32(fb.f, "loss", NULL);

	bert_zero_grad(m);
	float loss = bert_forward(m, &fb.b, 1, 42, logits);   /* training, dropout 0 in the config */
	check_close("logits", logits, ref, n, 1e-5);
	check_close("loss", &loss, ref_loss, 1, 1e-5);
	bert_backward(m);

	size_t ngrads = 0;
	double gmax = 0;   /* the largest reference gradient entry of all */
	for (size_t i = 0; i < st_count(fb.f); i++)
		if (strncmp(st_at(fb.f, i)->name, "grad.", 5) == 0) {
			ngrads++;
			float *g = read_f32(fb.f, st_at(fb.f, i)->name, &n);
			for (size_t j = 0; j < n; j++)
				gmax = fabs(g[j]) > gmax ? fabs(g[j]) : gmax;
			free(g);
		}
	assert_int_equal(ngrads, bert_param_count(m));   /* same tensors as HF's named_parameters() */
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		char name[160];
		snprintf(name, sizeof name, "grad.%s", p->name);
		float *g = read_f32(fb.f, name, &n);
		assert_int_equal(n, p->numel);
		/* relative to the tensor's largest entry, floored at 1e-3 of the
		 * largest gradient anywhere (mathematically zero tensors) */
		double e = rel_err_floor(p->grad, g, n, 1e-3 * gmax);
		if (!(e <= 1e-4))
			fail_msg("%s: relative error %.3g > 1e-4", name, e);
		free(g);
	}
	/* padding_idx: the [PAD] row of the word embeddings never gets a gradient */
	bert_param *wte = bert_param_find(m, "bert.embeddings.word_embeddings.weight");
	for (int64_t c = 0; c < wte->shape[1]; c++)
		assert_true(wte->grad[cfg.pad_token_id * wte->shape[1] + c] == 0.0f);

	/* inference: same logits, no loss */
	float *logits2 = pt_malloc(sizeof(float) * fb.b.B * NL);
	bert_batch nolabel = fb.b;
	nolabel.labels = NULL;
	nolabel.float_labels = NULL;
	assert_true(isnan(bert_forward(m, &nolabel, 0, 0, logits2)));
	assert_memory_equal(logits, logits2, sizeof(float) * fb.b.B * NL);

	free(logits);
	free(logits2);
	free(ref);
	free(ref_loss);
	fixture_batch_free(&fb);
	bert_free(m);
	bert_config_free(&cfg);
}

static void test_classification(void **state)
{
	(void)state;
	golden("tiny", "tiny_cls.safetensors");
}

static void test_regression(void **state)
{
	(void)state;
	golden("tiny_reg", "tiny_reg.safetensors");
}

static void test_param_layout(void **state)
{
	(void)state;
	bert_config cfg;
	bert_config_load(fixture("tiny"), &cfg);
	bert_model *m = bert_create(&cfg);
	/* 5 embedding tensors + 16 per layer + pooler 2 + classifier 2, contiguous in order */
	assert_int_equal(bert_param_count(m), 5 + 16 * 2 + 4);
	size_t n, off = 0;
	float *base = bert_params(m, &n);
	float *gbase = bert_grads(m, NULL);
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		assert_ptr_equal(p->data, base + off);
		assert_ptr_equal(p->grad, gbase + off);
		off += p->numel;
	}
	assert_int_equal(off, n);
	assert_string_equal(bert_param_at(m, 0)->name, "bert.embeddings.word_embeddings.weight");
	assert_string_equal(bert_param_at(m, 5)->name, "bert.encoder.layer.0.attention.self.query.weight");
	bert_param *p = bert_param_find(m, "bert.encoder.layer.1.intermediate.dense.weight");
	assert_non_null(p);
	assert_int_equal(p->shape[0], 37);
	assert_int_equal(p->shape[1], 32);
	assert_false(p->no_decay);
	assert_true(bert_param_find(m, "bert.encoder.layer.1.output.LayerNorm.weight")->no_decay);
	assert_true(bert_param_find(m, "classifier.bias")->no_decay);
	assert_false(bert_param_find(m, "bert.embeddings.word_embeddings.weight")->no_decay);
	assert_null(bert_param_find(m, "bert.embeddings.position_ids"));
	assert_int_equal(bert_param_find(m, "classifier.weight")->shape[0], 3);

	/* init: LayerNorm 1/0, biases 0, weights ~ N(0, 0.1), reproducible, pad row 0 */
	for (size_t i = 0; i < bert_param_count(m); i++)
		bert_init_param(bert_param_at(m, i), &cfg, 7);
	assert_true(bert_param_find(m, "bert.embeddings.LayerNorm.weight")->data[3] == 1.0f);
	assert_true(bert_param_find(m, "bert.embeddings.LayerNorm.bias")->data[3] == 0.0f);
	assert_true(bert_param_find(m, "classifier.bias")->data[1] == 0.0f);
	bert_param *w = bert_param_find(m, "bert.encoder.layer.0.intermediate.dense.weight");
	double s = 0, s2 = 0;
	for (size_t i = 0; i < w->numel; i++) {
		s += w->data[i];
		s2 += (double)w->data[i] * w->data[i];
	}
	double mean = s / w->numel, sd = sqrt(s2 / w->numel - mean * mean);
	assert_true(fabs(mean) < 0.01 && fabs(sd - 0.1) < 0.01);
	float first = w->data[0];
	bert_init_param(w, &cfg, 7);
	assert_true(w->data[0] == first);
	bert_init_param(w, &cfg, 8);
	assert_true(w->data[0] != first);
	bert_param *wte = bert_param_find(m, "bert.embeddings.word_embeddings.weight");
	for (int c = 0; c < 32; c++)
		assert_true(wte->data[c] == 0.0f);   /* pad_token_id 0 */
	bert_free(m);
	bert_config_free(&cfg);
}

/* Rows 2..3 alone give the same logits as in the full batch, before and
 * after the activation buffer shrinks and grows. */
static void test_batch_independence(void **state)
{
	(void)state;
	bert_config cfg;
	bert_model *m = load_model(fixture("tiny"), &cfg);
	fixture_batch fb;
	fixture_batch_load(&fb, "tiny_cls.safetensors");
	int B = fb.b.B, T = fb.b.T, NL = cfg.num_labels;
	float full[64], part[64], again[64];
	bert_batch b = fb.b;
	b.labels = NULL;
	bert_forward(m, &b, 0, 0, full);
	bert_batch sub = b;
	sub.B = 2;
	sub.input_ids += 2 * T;
	sub.token_type_ids += 2 * T;
	sub.attention_mask += 2 * T;
	bert_forward(m, &sub, 0, 0, part);
	check_close("sub-batch logits", part, full + 2 * NL, 2 * NL, 1e-6);
	bert_forward(m, &b, 0, 0, again);
	assert_memory_equal(full, again, sizeof(float) * B * NL);
	fixture_batch_free(&fb);
	bert_free(m);
	bert_config_free(&cfg);
}

/* Dropout on: masks depend only on the seed, and the analytic gradient
 * matches central differences of the loss under the same masks. */
static void test_dropout_gradients(void **state)
{
	(void)state;
	bert_config cfg;
	bert_config_load(fixture("tiny"), &cfg);
	bert_config_set(&cfg, "hidden_dropout_prob=0.2");
	bert_config_set(&cfg, "attention_probs_dropout_prob=0.15");
	bert_config_set(&cfg, "classifier_dropout=0.3");
	bert_model *m = bert_create(&cfg);
	load_weights(m, fixture("tiny"));
	fixture_batch fb;
	fixture_batch_load(&fb, "tiny_cls.safetensors");
	float a[64], b2[64], c[64], ref[64];
	bert_forward(m, &fb.b, 0, 0, ref);
	bert_forward(m, &fb.b, 1, 11, a);
	bert_forward(m, &fb.b, 1, 11, b2);
	bert_forward(m, &fb.b, 1, 12, c);
	size_t n = (size_t)fb.b.B * cfg.num_labels;
	assert_memory_equal(a, b2, sizeof(float) * n);
	assert_true(rel_err(a, c, n) > 1e-3);
	assert_true(rel_err(a, ref, n) > 1e-3);

	bert_zero_grad(m);
	bert_forward(m, &fb.b, 1, 11, NULL);
	bert_backward(m);
	/* the largest gradient entries of a few tensors, by central differences */
	const char *names[] = { "bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.attention.self.key.weight",
				"bert.encoder.layer.1.intermediate.dense.bias", "bert.pooler.dense.weight",
				"classifier.weight", "bert.encoder.layer.0.output.LayerNorm.weight" };
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		bert_param *p = bert_param_find(m, names[k]);
		size_t best = 0;
		for (size_t i = 1; i < p->numel; i++)
			if (fabsf(p->grad[i]) > fabsf(p->grad[best]))
				best = i;
		float keep = p->data[best], h = 1e-2f;
		p->data[best] = keep + h;
		double lp = bert_forward(m, &fb.b, 1, 11, NULL);
		p->data[best] = keep - h;
		double lm = bert_forward(m, &fb.b, 1, 11, NULL);
		p->data[best] = keep;
		double fd = (lp - lm) / (2.0 * h);
		if (!(fabs(fd - p->grad[best]) <= 2e-2 * fabs(p->grad[best]) + 1e-4))
			fail_msg("%s[%zu]: analytic %.6g, finite differences %.6g", names[k], best, p->grad[best], fd);
	}
	fixture_batch_free(&fb);
	bert_free(m);
	bert_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_layout),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_regression),
		cmocka_unit_test(test_batch_independence),
		cmocka_unit_test(test_dropout_gradients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
