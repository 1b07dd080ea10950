/* tokconfig: tokenizer.json / vocab.txt + tokenizer_config.json loading. */
#include "text/tokconfig.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_LENGTH 512

typedef struct {
	const char *unk, *cls, *sep, *pad, *mask;
} names;

static char *path_join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = pt_malloc(n);
	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static json_t *load_json(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j)
		pt_die("%s: line %d: invalid JSON: %s", path, err.line, err.text);
	if (!json_is_object(j))
		pt_die("%s: expected a JSON object", path);
	return j;
}

/* A boolean setting: 1/0, or -1 when absent or null. */
static int json_flag(const json_t *o, const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return -1;
	if (!json_is_boolean(v))
		pt_die("%s: field '%s': expected true, false or null", path, key);
	return json_is_true(v);
}

/* A string setting (or an AddedToken dict's content); dflt when absent or
 * null; any other type dies naming path and key (a token id where a token
 * is expected must not fall back silently to the default). */
static const char *json_str_or(const json_t *o, const char *key, const char *dflt, const char *path)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return dflt;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v) && json_is_string(json_object_get(v, "content")))
		return json_string_value(json_object_get(v, "content"));  /* AddedToken dict */
	pt_die("%s: field '%s': expected a string (or {\"content\": string}), got %s", path, key,
	       json_is_integer(v) || json_is_real(v) ? "a number" : json_is_boolean(v) ? "a boolean"
	       : json_is_array(v) ? "an array" : "an object without a string 'content'");
}

static int32_t need_token(const pt_wordpiece *wp, const char *tok, const char *path)
{
	int32_t id = wp_lookup(wp, tok, strlen(tok));
	if (id < 0)
		pt_die("%s: special token '%s' is not in the vocabulary", path, tok);
	return id;
}

static size_t max_length_of(const json_t *tc, const char *path)
{
	json_t *v = tc ? json_object_get(tc, "model_max_length") : NULL;
	if (!v || json_is_null(v))
		return DEFAULT_MAX_LENGTH;
	if (!json_is_number(v) || json_number_value(v) < 3)
		pt_die("%s: field 'model_max_length': expected a number >= 3", path);
	double d = json_number_value(v);
	return d > 1e9 ? DEFAULT_MAX_LENGTH : (size_t)d;  /* HF's "unlimited" */
}

static void load_vocab_txt(pt_wordpiece *wp, const char *path)
{
	size_t len;
	char *text = pt_read_file(path, &len);
	if (!text)
		pt_die("%s: %s", path, strerror(errno));
	int32_t id = 0;
	char *p = text, *end = text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		wp_add_token(wp, p, (size_t)(e - p), id++);
		p = nl ? nl + 1 : end;
	}
	free(text);
	if (id == 0)
		pt_die("%s: empty vocabulary", path);
}

static pt_wordpiece *from_vocab_txt(const char *dir, const json_t *tc, const char *tc_path)
{
	char *vpath = path_join(dir, "vocab.txt");
	int lower = tc ? json_flag(tc, "do_lower_case", tc_path) : -1;
	if (lower < 0)
		lower = 1;  /* BertTokenizer's default */
	int strip = tc ? json_flag(tc, "strip_accents", tc_path) : -1;
	int chinese = tc ? json_flag(tc, "tokenize_chinese_chars", tc_path) : -1;
	pt_wp_config cfg = {
		.clean_text = 1,
		.handle_chinese_chars = chinese < 0 ? 1 : chinese,
		.strip_accents = strip < 0 ? lower : strip,
		.lowercase = lower,
		.max_input_chars_per_word = 100,
		.max_length = max_length_of(tc, tc_path),
	};
	pt_wordpiece *wp = wp_new(&cfg, "##");
	load_vocab_txt(wp, vpath);
	names nm = {
		json_str_or(tc, "unk_token", "[UNK]", tc_path), json_str_or(tc, "cls_token", "[CLS]", tc_path),
		json_str_or(tc, "sep_token", "[SEP]", tc_path), json_str_or(tc, "pad_token", "[PAD]", tc_path),
		json_str_or(tc, "mask_token", "[MASK]", tc_path),
	};
	int32_t unk = need_token(wp, nm.unk, vpath);
	int32_t cls = need_token(wp, nm.cls, vpath);
	int32_t sep = need_token(wp, nm.sep, vpath);
	wp_set_specials(wp, unk, cls, sep);
	/* BertTokenizerFast registers these as special added tokens, in this order. */
	const char *all[] = { nm.unk, nm.sep, nm.pad, nm.cls, nm.mask };
	for (size_t i = 0; i < 5; i++) {
		int32_t id = wp_lookup(wp, all[i], strlen(all[i]));
		if (id >= 0)
			wp_add_special(wp, all[i], strlen(all[i]), id);
	}
	free(vpath);
	return wp;
}

/* The [CLS]/[SEP] token names of a BERT post-processor. */
static void post_processor_names(const json_t *pp, const char *path, const char **cls, const char **sep)
{
	const char *type = json_string_value(json_object_get(pp, "type"));
	if (type && strcmp(type, "BertProcessing") == 0) {
		*cls = json_string_value(json_array_get(json_object_get(pp, "cls"), 0));
		*sep = json_string_value(json_array_get(json_object_get(pp, "sep"), 0));
	} else if (type && strcmp(type, "TemplateProcessing") == 0) {
		json_t *single = json_object_get(pp, "single");
		json_t *pair = json_object_get(pp, "pair");
		if (json_array_size(single) != 3 || json_array_size(pair) != 5)
			pt_die("%s: post_processor: expected the BERT template [CLS] $A [SEP] $B:1 [SEP]:1", path);
		*cls = json_string_value(json_object_get(json_object_get(json_array_get(single, 0), "SpecialToken"), "id"));
		*sep = json_string_value(json_object_get(json_object_get(json_array_get(single, 2), "SpecialToken"), "id"));
	} else {
		pt_die("%s: post_processor: expected TemplateProcessing or BertProcessing", path);
	}
	if (!*cls || !*sep)
		pt_die("%s: post_processor: cannot find the [CLS] and [SEP] tokens", path);
}

static pt_wordpiece *from_tokenizer_json(const char *path, const json_t *tc, const char *tc_path)
{
	json_t *j = load_json(path);
	json_t *norm = json_object_get(j, "normalizer");
	const char *nt = json_string_value(json_object_get(norm, "type"));
	if (!nt || strcmp(nt, "BertNormalizer") != 0)
		pt_die("%s: field 'normalizer': expected a BertNormalizer", path);
	const char *pt = json_string_value(json_object_get(json_object_get(j, "pre_tokenizer"), "type"));
	if (!pt || strcmp(pt, "BertPreTokenizer") != 0)
		pt_die("%s: field 'pre_tokenizer': expected a BertPreTokenizer", path);
	json_t *model = json_object_get(j, "model");
	const char *mt = json_string_value(json_object_get(model, "type"));
	if (mt && strcmp(mt, "WordPiece") != 0)
		pt_die("%s: field 'model': expected a WordPiece model, got %s", path, mt);
	json_t *vocab = json_object_get(model, "vocab");
	if (!json_is_object(vocab) || json_object_size(vocab) == 0)
		pt_die("%s: field 'model.vocab': expected a non-empty object", path);

	int lower = json_flag(norm, "lowercase", path);
	int strip = json_flag(norm, "strip_accents", path);
	int clean = json_flag(norm, "clean_text", path);
	int chinese = json_flag(norm, "handle_chinese_chars", path);
	json_t *mic = json_object_get(model, "max_input_chars_per_word");
	pt_wp_config cfg = {
		.clean_text = clean != 0,
		.handle_chinese_chars = chinese != 0,
		.lowercase = lower != 0,
		.strip_accents = strip < 0 ? lower != 0 : strip,
		.max_input_chars_per_word = json_is_integer(mic) ? (int)json_integer_value(mic) : 100,
		.max_length = max_length_of(tc, tc_path),
	};
	const char *prefix = json_str_or(model, "continuing_subword_prefix", "##", path);
	pt_wordpiece *wp = wp_new(&cfg, prefix);
	const char *key;
	json_t *v;
	json_object_foreach(vocab, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
			pt_die("%s: model.vocab['%s']: expected a non-negative integer id", path, key);
		wp_add_token(wp, key, strlen(key), (int32_t)json_integer_value(v));
	}
	json_t *added = json_object_get(j, "added_tokens");
	size_t i;
	json_array_foreach(added, i, v) {
		const char *content = json_string_value(json_object_get(v, "content"));
		json_t *id = json_object_get(v, "id");
		if (!content || !json_is_integer(id))
			pt_die("%s: added_tokens[%zu]: expected 'content' and 'id'", path, i);
		if (json_is_true(json_object_get(v, "normalized")) || json_is_true(json_object_get(v, "lstrip")) ||
		    json_is_true(json_object_get(v, "rstrip")) || json_is_true(json_object_get(v, "single_word")))
			pt_die("%s: added_tokens[%zu] '%s': only normalized=false tokens without lstrip/rstrip/single_word are supported",
			       path, i, content);
		wp_add_special(wp, content, strlen(content), (int32_t)json_integer_value(id));
	}
	const char *cls, *sep;
	post_processor_names(json_object_get(j, "post_processor"), path, &cls, &sep);
	const char *unk = json_str_or(model, "unk_token", "[UNK]", path);
	wp_set_specials(wp, need_token(wp, unk, path), need_token(wp, cls, path), need_token(wp, sep, path));
	json_decref(j);
	return wp;
}

pt_wordpiece *tokconfig_load(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		pt_die("%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		pt_die("%s: not a model folder (a directory with tokenizer.json or vocab.txt)", dir);
	char *tc_path = path_join(dir, "tokenizer_config.json");
	json_t *tc = file_exists(tc_path) ? load_json(tc_path) : NULL;
	char *tj = path_join(dir, "tokenizer.json");
	char *vt = path_join(dir, "vocab.txt");
	pt_wordpiece *wp;
	if (file_exists(tj))
		wp = from_tokenizer_json(tj, tc, tc_path);
	else if (file_exists(vt))
		wp = from_vocab_txt(dir, tc, tc_path);
	else
		pt_die("%s: no tokenizer.json or vocab.txt in this model folder", dir);
	json_decref(tc);
	free(tc_path);
	free(tj);
	free(vt);
	return wp;
}

int tokconfig_fingerprint(const char *dir, char *buf, size_t n)
{
	char *tj = path_join(dir, "tokenizer.json"), *vt = path_join(dir, "vocab.txt");
	int has = file_exists(tj) || file_exists(vt);
	free(tj);
	free(vt);
	if (n)
		buf[0] = '\0';
	if (!has)
		return 0;
	pt_wordpiece *wp = tokconfig_load(dir);
	wp_fingerprint(wp, buf, n);
	wp_free(wp);
	return 1;
}
