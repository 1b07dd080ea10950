/* bert-base shapes (12 layers, hidden 768, 12 heads, 3072, vocab 30522)
 * with weights from a formula that make_bert_fixtures.py applies too, so
 * no weights are committed: logits of a [2,16] pair batch to 1e-4.
 * About 0.5 s (1.5 s under the sanitizers); the gradient buffer is never
 * touched, so it costs address space only. */
#include "test_bert_common.h"
#include "rng.h"

/* tensor i, element e: base + 0.05 * (2u - 1), u = (splitmix64((i << 32) + e) >> 40) / 2^24;
 * base 1 for LayerNorm weights, else 0 (formula_weights() in the script) */
static void formula_weights(bert_model *m)
{
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		size_t len = strlen(p->name);
		double base = strstr(p->name, "LayerNorm") && strcmp(p->name + len - 6, "weight") == 0 ? 1.0 : 0.0;
		for (size_t e = 0; e < p->numel; e++) {
			double u = (double)(pt_mix64(((uint64_t)i << 32) + e) >> 40) / (double)(1 << 24);
			p->data[e] = (float)(base + 0.05 * (2.0 * u - 1.0));
		}
	}
}

static void test_base_logits(void **state)
{
	(void)state;
	bert_config cfg;
	bert_config_load(fixture("base"), &cfg);
	assert_int_equal(cfg.num_hidden_layers, 12);
	assert_int_equal(cfg.vocab_size, 30522);
	bert_model *m = bert_create(&cfg);
	formula_weights(m);
	st_file *f = st_open(fixture("base_shapes.safetensors"));
	size_t n;
	int32_t *ids = read_i32(f, "input_ids", &n);
	int32_t *tt = read_i32(f, "token_type_ids", NULL);
	int32_t *mask = read_i32(f, "attention_mask", NULL);
	float *ref = read_f32(f, "logits", NULL);
	const st_tensor *t = need(f, "input_ids");
	bert_batch b = { (int)t->shape[0], (int)t->shape[1], ids, tt, mask, NULL, NULL };
	float logits[8];
	assert_true(isnan(bert_forward(m, &b, 0, 0, logits)));
	check_close("bert-base logits", logits, ref, (size_t)b.B * cfg.num_labels, 1e-4);
	free(ids);
	free(tt);
	free(mask);
	free(ref);
	st_close(f);
	bert_free(m);
	bert_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_logits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
