/* config: BERT config.json load/override/save with jansson (see config.h). */
#include "config.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const char *key; size_t off; int def; int min; } int_field;
typedef struct { const char *key; size_t off; float def; float min, max; } float_field;

#define IF(k, d, mn) { #k, offsetof(bert_config, k), d, mn }
static const int_field int_fields[] = {
	IF(vocab_size, 30522, 1), IF(hidden_size, 768, 1), IF(num_hidden_layers, 12, 0),
	IF(num_attention_heads, 12, 1), IF(intermediate_size, 3072, 1), IF(max_position_embeddings, 512, 1),
	IF(type_vocab_size, 2, 1), IF(pad_token_id, 0, -1),
};
#define FF(k, d, mn, mx) { #k, offsetof(bert_config, k), d, mn, mx }
static const float_field float_fields[] = {
	FF(layer_norm_eps, 1e-12f, 0, 1), FF(hidden_dropout_prob, 0.1f, 0, 0.999999f),
	FF(attention_probs_dropout_prob, 0.1f, 0, 0.999999f), FF(initializer_range, 0.02f, 0, 1e9f),
};
#define NINT (sizeof int_fields / sizeof int_fields[0])
#define NFLOAT (sizeof float_fields / sizeof float_fields[0])

static int *int_at(bert_config *c, size_t i) { return (int *)((char *)c + int_fields[i].off); }
static float *float_at(bert_config *c, size_t i) { return (float *)((char *)c + float_fields[i].off); }

static void free_labels(bert_config *c)
{
	if (c->id2label) {
		for (int i = 0; i < c->num_labels; i++)
			free(c->id2label[i]);
		free(c->id2label);
	}
	c->id2label = NULL;
}

static void default_labels(bert_config *c)
{
	free_labels(c);
	c->id2label = pt_calloc((size_t)c->num_labels, sizeof(char *));
	for (int i = 0; i < c->num_labels; i++) {
		char buf[32];
		snprintf(buf, sizeof buf, "LABEL_%d", i);
		c->id2label[i] = pt_strdup(buf);
	}
}

static void set_problem_type(bert_config *c, const char *s, const char *src)
{
	if (strcmp(s, "") && strcmp(s, "single_label_classification") && strcmp(s, "regression"))
		pt_die("%s: field 'problem_type': expected \"single_label_classification\" or \"regression\", got \"%s\"",
		       src, s);
	snprintf(c->problem_type, sizeof c->problem_type, "%s", s);
}

/* id2label {"0": "neg", "1": "pos"}: keys must be exactly 0..n-1 */
static void load_id2label(bert_config *c, json_t *o, const char *src)
{
	if (!json_is_object(o) || json_object_size(o) == 0)
		pt_die("%s: field 'id2label': expected a non-empty object", src);
	c->num_labels = (int)json_object_size(o);
	c->id2label = pt_calloc((size_t)c->num_labels, sizeof(char *));
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		long id;
		if (pt_parse_long(k, &id) || id < 0 || id >= c->num_labels || c->id2label[id])
			pt_die("%s: field 'id2label': key \"%s\" is not one of 0..%d", src, k, c->num_labels - 1);
		if (!json_is_string(v))
			pt_die("%s: field 'id2label': value for \"%s\" is not a string", src, k);
		c->id2label[id] = pt_strdup(json_string_value(v));
	}
}

void bert_config_load(const char *model_dir, bert_config *c)
{
	char path[4096];
	size_t len = strlen(model_dir);
	if (len >= 5 && strcmp(model_dir + len - 5, ".json") == 0)
		snprintf(path, sizeof path, "%s", model_dir);
	else
		snprintf(path, sizeof path, "%s/config.json", model_dir);
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	if (!root) {
		if (err.line < 0 || errno == ENOENT)
			pt_die("%s: cannot read: %s", path, err.text);
		pt_die("%s: line %d: bad JSON: %s", path, err.line, err.text);
	}
	if (!json_is_object(root))
		pt_die("%s: expected a JSON object", path);
	memset(c, 0, sizeof *c);
	c->json = root;
	if (len >= 5 && strcmp(model_dir + len - 5, ".json") == 0) {
		const char *slash = strrchr(model_dir, '/');
		if (!slash)
			snprintf(c->dir, sizeof c->dir, ".");
		else if ((size_t)(slash - model_dir) < sizeof c->dir)
			snprintf(c->dir, sizeof c->dir, "%.*s", (int)(slash - model_dir), model_dir);
	} else if (len < sizeof c->dir) {
		snprintf(c->dir, sizeof c->dir, "%s", model_dir);
	}
	for (size_t i = 0; i < NINT; i++) {
		json_t *v = json_object_get(root, int_fields[i].key);
		*int_at(c, i) = int_fields[i].def;
		if (!v || (json_is_null(v) && int_fields[i].min < 0)) {
			if (v)
				*int_at(c, i) = -1;
			continue;
		}
		if (!json_is_integer(v) || json_integer_value(v) < int_fields[i].min || json_integer_value(v) > 1 << 30)
			pt_die("%s: field '%s': expected an integer >= %d", path, int_fields[i].key, int_fields[i].min);
		*int_at(c, i) = (int)json_integer_value(v);
	}
	for (size_t i = 0; i < NFLOAT; i++) {
		json_t *v = json_object_get(root, float_fields[i].key);
		*float_at(c, i) = float_fields[i].def;
		if (!v)
			continue;
		double d = json_number_value(v);
		if (!json_is_number(v) || !(d >= float_fields[i].min && d <= float_fields[i].max))
			pt_die("%s: field '%s': expected a number in [%g, %g]", path, float_fields[i].key,
			       float_fields[i].min, float_fields[i].max);
		*float_at(c, i) = (float)d;
	}
	json_t *v = json_object_get(root, "classifier_dropout");
	c->classifier_dropout = -1;
	if (v && !json_is_null(v)) {
		double d = json_number_value(v);
		if (!json_is_number(v) || !(d >= 0 && d < 1))
			pt_die("%s: field 'classifier_dropout': expected null or a number in [0, 1)", path);
		c->classifier_dropout = (float)d;
	}
	v = json_object_get(root, "hidden_act");
	if (v && !(json_is_string(v) && strcmp(json_string_value(v), "gelu") == 0))
		pt_die("%s: field 'hidden_act': only \"gelu\" is supported", path);
	v = json_object_get(root, "position_embedding_type");
	if (v && !json_is_null(v) && !(json_is_string(v) && strcmp(json_string_value(v), "absolute") == 0))
		pt_die("%s: field 'position_embedding_type': only \"absolute\" is supported", path);
	v = json_object_get(root, "problem_type");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			pt_die("%s: field 'problem_type': expected a string or null", path);
		set_problem_type(c, json_string_value(v), path);
	}
	v = json_object_get(root, "id2label");
	json_t *nl = json_object_get(root, "num_labels");
	if (v && !json_is_null(v))
		load_id2label(c, v, path);
	else {
		c->num_labels = 2;
		if (nl) {
			if (!json_is_integer(nl) || json_integer_value(nl) < 1 || json_integer_value(nl) > 1 << 20)
				pt_die("%s: field 'num_labels': expected a positive integer", path);
			c->num_labels = (int)json_integer_value(nl);
		}
		default_labels(c);
	}
	if (c->hidden_size % c->num_attention_heads)
		pt_die("%s: hidden_size %d is not a multiple of num_attention_heads %d", path, c->hidden_size,
		       c->num_attention_heads);
}

void bert_config_set_num_labels(bert_config *c, int n)
{
	if (n < 1)
		pt_die("num_labels must be at least 1, got %d", n);
	free_labels(c);
	c->num_labels = n;
	default_labels(c);
	set_problem_type(c, n == 1 ? "regression" : "single_label_classification", "config");
}

int bert_config_set_label_names(bert_config *c, const char *names)
{
	int n = 1;
	for (const char *p = names; *p; p++)
		n += *p == ',';
	if (n != c->num_labels || c->num_labels < 2)
		return 0;
	char **v = pt_calloc((size_t)n, sizeof *v);
	const char *p = names;
	int ok = 1;
	for (int i = 0; i < n; i++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v[i] = pt_malloc(len + 1);
		memcpy(v[i], p, len);
		v[i][len] = '\0';
		ok &= len > 0;
		for (int j = 0; j < i; j++)
			ok &= strcmp(v[j], v[i]) != 0;
		p = e ? e + 1 : p + len;
	}
	if (!ok) {
		for (int i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return 0;
	}
	free_labels(c);
	c->id2label = v;
	return 1;
}

void bert_config_set(bert_config *c, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		pt_die("--set %s: expected KEY=VALUE", kv);
	size_t klen = (size_t)(eq - kv);
	const char *val = eq + 1;
	long l;
	double d;
	for (size_t i = 0; i < NINT; i++)
		if (strlen(int_fields[i].key) == klen && !strncmp(kv, int_fields[i].key, klen)) {
			if (pt_parse_long(val, &l) || l < int_fields[i].min || l > 1 << 30)
				pt_die("--set %s: expected an integer >= %d", kv, int_fields[i].min);
			*int_at(c, i) = (int)l;
			return;
		}
	for (size_t i = 0; i < NFLOAT; i++)
		if (strlen(float_fields[i].key) == klen && !strncmp(kv, float_fields[i].key, klen)) {
			if (pt_parse_double(val, &d) || !(d >= float_fields[i].min && d <= float_fields[i].max))
				pt_die("--set %s: expected a number in [%g, %g]", kv, float_fields[i].min, float_fields[i].max);
			*float_at(c, i) = (float)d;
			return;
		}
	if (!strncmp(kv, "classifier_dropout=", klen + 1)) {
		if (!strcmp(val, "null") || !strcmp(val, "None"))
			c->classifier_dropout = -1;
		else if (pt_parse_double(val, &d) || !(d >= 0 && d < 1))
			pt_die("--set %s: expected null or a number in [0, 1)", kv);
		else
			c->classifier_dropout = (float)d;
		return;
	}
	if (!strncmp(kv, "num_labels=", klen + 1)) {
		if (pt_parse_long(val, &l) || l < 1 || l > 1 << 20)
			pt_die("--set %s: expected a positive integer", kv);
		bert_config_set_num_labels(c, (int)l);
		return;
	}
	if (!strncmp(kv, "problem_type=", klen + 1)) {
		set_problem_type(c, val, "--set");
		return;
	}
	pt_die("--set %s: unknown config key '%.*s'", kv, (int)klen, kv);
}

/* The shortest decimal that reads back to f, as a double, so that 0.1f is
 * saved as 0.1 and not 0.10000000149011612. */
static double shortest(float f)
{
	char buf[32];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
		if (strtof(buf, NULL) == f)
			break;
	}
	return strtod(buf, NULL);
}

static void put(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v))
		pt_die("config: out of memory");
}

void bert_config_save(const bert_config *c, const char *path)
{
	json_t *o = c->json ? json_deep_copy(c->json) : json_object();
	if (!o)
		pt_die("config: out of memory");
	bert_config *cc = (bert_config *)c;
	for (size_t i = 0; i < NINT; i++)
		put(o, int_fields[i].key, *int_at(cc, i) < 0 ? json_null() : json_integer(*int_at(cc, i)));
	for (size_t i = 0; i < NFLOAT; i++)
		put(o, float_fields[i].key, json_real(shortest(*float_at(cc, i))));
	put(o, "classifier_dropout", c->classifier_dropout < 0 ? json_null() : json_real(shortest(c->classifier_dropout)));
	put(o, "hidden_act", json_string("gelu"));
	put(o, "model_type", json_string("bert"));
	json_t *arch = json_array();
	json_array_append_new(arch, json_string("BertForSequenceClassification"));
	put(o, "architectures", arch);
	put(o, "problem_type", c->problem_type[0] ? json_string(c->problem_type) : json_null());
	json_object_del(o, "num_labels");
	json_t *id2label = json_object(), *label2id = json_object();
	for (int i = 0; i < c->num_labels; i++) {
		char key[32], def[32];
		snprintf(key, sizeof key, "%d", i);
		snprintf(def, sizeof def, "LABEL_%d", i);
		const char *name = c->id2label ? c->id2label[i] : def;
		put(id2label, key, json_string(name));
		put(label2id, name, json_integer(i));
	}
	put(o, "id2label", id2label);
	put(o, "label2id", label2id);
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!text)
		pt_die("config: out of memory");
	size_t n = strlen(text);
	text = pt_realloc(text, n + 2);
	text[n] = '\n';
	text[n + 1] = 0;
	if (pt_write_file_atomic(path, text, n + 1))
		pt_die("%s: cannot write: %s", path, strerror(errno));
	free(text);
}

void bert_config_free(bert_config *c)
{
	free_labels(c);
	if (c->json)
		json_decref((json_t *)c->json);
	c->json = NULL;
}
