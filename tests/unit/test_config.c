/* config.json: loading HF files, --set overrides, num_labels, saving
 * (round trip, unknown keys kept), and one-line deaths on bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "util.h"

static char tmpdir[256];

static const char *path_in(const char *root, const char *rel)
{
	static char buf[4][4096];
	static int next;
	char *b = buf[next++ % 4];
	if ((size_t)snprintf(b, sizeof buf[0], "%s/%s", root, rel) >= sizeof buf[0])
		fail_msg("path too long: %s/%s", root, rel);
	return b;
}

static const char *repo(void)
{
	const char *r = getenv("PT_ROOT");
	return r ? r : ".";
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_tiny(void **state)
{
	(void)state;
	bert_config c;
	bert_config_load(path_in(repo(), "tests/golden/fixtures/bert/tiny"), &c);
	assert_int_equal(c.vocab_size, 99);
	assert_int_equal(c.hidden_size, 32);
	assert_int_equal(c.num_hidden_layers, 2);
	assert_int_equal(c.num_attention_heads, 4);
	assert_int_equal(c.intermediate_size, 37);
	assert_int_equal(c.max_position_embeddings, 64);
	assert_int_equal(c.num_labels, 3);
	assert_int_equal(c.pad_token_id, 0);
	assert_true(c.classifier_dropout < 0);
	assert_true(c.hidden_dropout_prob == 0.0f);
	assert_true(c.layer_norm_eps == 1e-12f);
	assert_true(c.initializer_range == 0.1f);
	assert_string_equal(c.id2label[2], "LABEL_2");
	assert_string_equal(c.problem_type, "");
	bert_config_free(&c);
}

static void test_load_bert_base(void **state)
{
	(void)state;
	const char *shared = getenv("SHARED");
	if (!shared)
		skip();
	char dir[2048];
	if ((size_t)snprintf(dir, sizeof dir, "%s/data/bert/bert-base-uncased", shared) >= sizeof dir)
		skip();
	if (access(path_in(dir, "config.json"), R_OK))
		skip();
	bert_config c;
	bert_config_load(dir, &c);
	assert_int_equal(c.vocab_size, 30522);
	assert_int_equal(c.hidden_size, 768);
	assert_int_equal(c.num_labels, 2);   /* no id2label: the default */
	assert_true(c.hidden_dropout_prob == 0.1f);
	assert_true(c.classifier_dropout < 0);
	bert_config_free(&c);
}

static void test_set_and_save(void **state)
{
	(void)state;
	bert_config c, d;
	bert_config_load(path_in(repo(), "tests/golden/fixtures/bert/tiny"), &c);
	bert_config_set(&c, "hidden_dropout_prob=0.25");
	bert_config_set(&c, "classifier_dropout=0.1");
	bert_config_set(&c, "initializer_range=0.02");
	bert_config_set(&c, "num_labels=1");
	assert_int_equal(c.num_labels, 1);
	assert_string_equal(c.problem_type, "regression");
	assert_string_equal(c.id2label[0], "LABEL_0");
	const char *out = path_in(tmpdir, "config.json");
	bert_config_save(&c, out);
	bert_config_load(tmpdir, &d);
	assert_true(d.hidden_dropout_prob == 0.25f);
	assert_true(d.classifier_dropout == 0.1f);
	assert_int_equal(d.num_labels, 1);
	assert_string_equal(d.problem_type, "regression");
	assert_int_equal(d.intermediate_size, 37);
	char *text = pt_read_file(out, NULL);
	assert_non_null(strstr(text, "\"initializer_range\": 0.02,"));   /* not 0.019999999552965164 */
	assert_non_null(strstr(text, "\"BertForSequenceClassification\""));
	assert_non_null(strstr(text, "\"transformers_version\": \"5.24.0\""));   /* unknown key kept */
	assert_non_null(strstr(text, "\"label2id\": {\n    \"LABEL_0\": 0\n  }"));
	assert_null(strstr(text, "LABEL_2"));
	free(text);
	bert_config_set_num_labels(&d, 4);
	assert_string_equal(d.problem_type, "single_label_classification");
	assert_string_equal(d.id2label[3], "LABEL_3");
	bert_config_free(&c);
	bert_config_free(&d);
}

/* runs fn in a child; it must exit 1 with exactly one stderr line containing want */
static void expect_death(void (*fn)(const char *), const char *arg, const char *want)
{
	const char *errf = path_in(tmpdir, "stderr");
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(errf, "w", stderr))
			_exit(99);
		fn(arg);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	size_t len;
	char *text = pt_read_file(errf, &len);
	if (!strstr(text, want))
		fail_msg("stderr '%s' lacks '%s'", text, want);
	assert_true(len > 0 && strchr(text, '\n') == text + len - 1);
	free(text);
}

static void load_file(const char *path)
{
	bert_config c;
	bert_config_load(path, &c);
}

static void set_kv(const char *kv)
{
	bert_config c;
	bert_config_load(path_in(repo(), "tests/golden/fixtures/bert/tiny"), &c);
	bert_config_set(&c, kv);
}

static void test_errors(void **state)
{
	(void)state;
	expect_death(load_file, path_in(tmpdir, "missing"), "missing/config.json");
	char p[4096];
	snprintf(p, sizeof p, "%s/bad.json", tmpdir);
	write_text(p, "{\"hidden_size\": 32,");
	expect_death(load_file, p, "bad JSON");
	write_text(p, "{\"hidden_act\": \"relu\"}");
	expect_death(load_file, p, "hidden_act");
	write_text(p, "{\"hidden_size\": \"big\"}");
	expect_death(load_file, p, "field 'hidden_size'");
	write_text(p, "{\"hidden_size\": 30, \"num_attention_heads\": 4}");
	expect_death(load_file, p, "not a multiple");
	write_text(p, "{\"id2label\": {\"0\": \"a\", \"2\": \"b\"}}");
	expect_death(load_file, p, "id2label");
	write_text(p, "{\"hidden_dropout_prob\": 1.5}");
	expect_death(load_file, p, "hidden_dropout_prob");
	expect_death(set_kv, "no_such_key=1", "unknown config key 'no_such_key'");
	expect_death(set_kv, "hidden_dropout_prob=abc", "hidden_dropout_prob");
	expect_death(set_kv, "num_labels=0", "num_labels");
	expect_death(set_kv, "novalue", "KEY=VALUE");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *files[] = { "config.json", "stderr", "bad.json" };
	for (size_t i = 0; i < 3; i++)
		unlink(path_in(tmpdir, files[i]));
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_tiny),
		cmocka_unit_test(test_load_bert_base),
		cmocka_unit_test(test_set_and_save),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
