#include "collate.h"
#include "rng.h"
#include "stream.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MEGA 50 /* batches per mega-batch in group_by_length, as transformers */

enum { SEQ_IDS, SEQ_TT, SEQ_AM, NSEQ };
static const char *const seq_keys[NSEQ] = {"input_ids", "token_type_ids", "attention_mask"};

typedef struct {
	char **keys;        /* scalar fields, first record's order */
	size_t nkeys;
	char **wide;        /* [nkeys] record 0's value of a stream-wide field
	                       (stream.h), NULL for the others */
	int has_seq[NSEQ];  /* which sequence fields the records carry */
	int label_float;    /* record 0's label is a float (regression): every label must be */
} schema;

typedef struct {
	int32_t *seq[NSEQ]; /* [len] each; one allocation at seq[0] */
	size_t len;
	msgpack_object *val; /* [nkeys] scalars; strings owned */
} example;

static int key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       (n == 0 || memcmp(k->via.str.ptr, s, n) == 0);   /* "" has a NULL ptr */
}

static int seq_index(const msgpack_object *k)
{
	for (int i = 0; i < NSEQ; i++)
		if (key_is(k, seq_keys[i]))
			return i;
	return -1;
}

static int is_scalar(const msgpack_object *o)
{
	return o->type != MSGPACK_OBJECT_ARRAY && o->type != MSGPACK_OBJECT_MAP &&
	       o->type != MSGPACK_OBJECT_BIN && o->type != MSGPACK_OBJECT_EXT;
}

static char *key_str(const pt_record *rec, const msgpack_object *k)
{
	if (k->type != MSGPACK_OBJECT_STR)
		rec_die(rec, NULL, "a key is %s, expected a string", msgpack_type_name(k));
	char *s = pt_malloc(k->via.str.size + 1);
	if (k->via.str.size)   /* the empty key's ptr is NULL */
		memcpy(s, k->via.str.ptr, k->via.str.size);
	s[k->via.str.size] = '\0';
	return s;
}

static void schema_init(schema *s, const pt_record *rec)
{
	stream_expect(rec, STAGE_TOK);
	const msgpack_object_map *m = &rec->map->via.map;
	memset(s, 0, sizeof *s);
	s->keys = pt_calloc(m->size, sizeof *s->keys);
	s->wide = pt_calloc(m->size, sizeof *s->wide);
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
		int q = seq_index(k);
		if (q >= 0) {
			s->has_seq[q] = 1;
			continue;
		}
		char *name = key_str(rec, k);
		if (stream_is_wide_key(name, strlen(name))) {
			if (v->type != MSGPACK_OBJECT_STR)
				rec_die(rec, name, "expected a string, got %s", msgpack_type_name(v));
			s->wide[s->nkeys] = pt_malloc(v->via.str.size + 1);
			memcpy(s->wide[s->nkeys], v->via.str.ptr, v->via.str.size);
			s->wide[s->nkeys][v->via.str.size] = '\0';
		}
		s->keys[s->nkeys++] = name;
	}
	if (!s->has_seq[SEQ_IDS])
		rec_die(rec, "input_ids", "missing");
	const msgpack_object *l = rec_field(rec, "label");
	s->label_float = l && (l->type == MSGPACK_OBJECT_FLOAT32 || l->type == MSGPACK_OBJECT_FLOAT64);
}

/* A label is an integer class (or -100, ignored) or a float regression
 * target, the same kind in every record: train and glue-metric read the
 * batch's labels as one array of one type. */
static void check_label(const pt_record *rec, const schema *s, const msgpack_object *v)
{
	int is_float = v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64;
	int is_int = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER || v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
	if (!is_float && !is_int)
		rec_die(rec, "label", "expected an integer class or a float target, got %s (tok --label-names "
			"maps string labels)", msgpack_type_name(v));
	if (is_float != s->label_float)
		rec_die(rec, "label", "%s, but record 0's is %s (labels of one kind in every record)",
			is_float ? "a float" : "an integer", s->label_float ? "a float" : "an integer");
}

/* Token ids and types are >= 0, mask values 0 or 1 (what the model reads). */
static void check_seq(const pt_record *rec, int q, const int32_t *v, size_t n)
{
	for (size_t t = 0; t < n; t++)
		if (v[t] < 0 || (q == SEQ_AM && v[t] > 1))
			rec_die(rec, seq_keys[q], "element %zu: %d is %s", t, v[t],
				q == SEQ_AM ? "not 0 or 1" : "negative");
}

static void schema_free(schema *s)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->keys[i]);
		free(s->wide[i]);
	}
	free(s->keys);
	free(s->wide);
}

/* Copies one record into ex, checking it against the schema. */
static void read_example(const pt_record *rec, const schema *s, example *ex)
{
	const msgpack_object_map *m = &rec->map->via.map;
	int32_t *buf = NULL;
	size_t cap = 0;
	stream_expect(rec, STAGE_TOK);
	ex->len = rec_int_array(rec, "input_ids", &buf, &cap);
	ex->seq[SEQ_IDS] = pt_malloc((ex->len ? ex->len : 1) * NSEQ * sizeof(int32_t));
	if (ex->len)   /* buf stays NULL for an empty row */
		memcpy(ex->seq[SEQ_IDS], buf, ex->len * sizeof(int32_t));
	for (int q = 1; q < NSEQ; q++) {
		ex->seq[q] = ex->seq[SEQ_IDS] + (size_t)q * ex->len;
		const msgpack_object *o = rec_field(rec, seq_keys[q]);
		if (!s->has_seq[q]) {
			if (o)
				rec_die(rec, seq_keys[q], "present, but record 0 has none (every record needs the same fields)");
			continue;
		}
		if (!o)
			rec_die(rec, seq_keys[q], "missing (record 0 has it; every record needs the same fields)");
		size_t n = rec_int_array(rec, seq_keys[q], &buf, &cap);
		if (n != ex->len)
			rec_die(rec, seq_keys[q], "has %zu elements, input_ids has %zu", n, ex->len);
		if (n)
			memcpy(ex->seq[q], buf, n * sizeof(int32_t));
	}
	free(buf);
	for (int q = 0; q < NSEQ; q++)
		if (s->has_seq[q])
			check_seq(rec, q, ex->seq[q], ex->len);
	ex->val = pt_calloc(s->nkeys ? s->nkeys : 1, sizeof *ex->val);
	unsigned char *seen = pt_calloc(s->nkeys ? s->nkeys : 1, 1);
	size_t found = 0;
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
		if (seq_index(k) >= 0)
			continue;
		size_t j = 0;
		while (j < s->nkeys && !key_is(k, s->keys[j]))
			j++;
		if (j == s->nkeys) {
			char *name = key_str(rec, k);
			rec_die(rec, name, "present, but record 0 has no such field (every record needs the same fields%s)",
				key_is(k, "label") ? ": labels on all records or none" : "");
		}
		if (seen[j])   /* a second value would replace (and lose) the first */
			rec_die(rec, s->keys[j], "appears twice in the record");
		seen[j] = 1;
		if (s->wide[j] && !(v->type == MSGPACK_OBJECT_STR && v->via.str.size == strlen(s->wide[j]) &&
				     memcmp(v->via.str.ptr, s->wide[j], v->via.str.size) == 0))
			rec_die(rec, s->keys[j], "differs from record 0's \"%s\": the input mixes streams made with "
				"different %s; tokenize every part with the same tok command", s->wide[j],
				strcmp(s->keys[j], STREAM_TOKENIZER) == 0 ? "tokenizers" : "label names");
		if (!is_scalar(v))
			rec_die(rec, s->keys[j], "expected a scalar (collate passes other fields through as arrays per batch), got %s",
				msgpack_type_name(v));
		if (key_is(k, "label"))
			check_label(rec, s, v);
		ex->val[j] = *v;
		if (v->type == MSGPACK_OBJECT_STR) {
			char *p = pt_malloc(v->via.str.size ? v->via.str.size : 1);
			if (v->via.str.size)   /* msgpack-c's empty strings have a NULL ptr */
				memcpy(p, v->via.str.ptr, v->via.str.size);
			ex->val[j].via.str.ptr = p;
		}
		found++;
	}
	free(seen);
	if (found != s->nkeys)
		for (size_t j = 0; j < s->nkeys; j++)
			if (!rec_field(rec, s->keys[j]))
				rec_die(rec, s->keys[j], "missing (record 0 has it; every record needs the same fields%s)",
					strcmp(s->keys[j], "label") == 0 ? ": labels on all records or none" : "");
}

static void example_free(example *ex, const schema *s)
{
	for (size_t j = 0; j < s->nkeys; j++)
		if (ex->val[j].type == MSGPACK_OBJECT_STR)
			free((void *)ex->val[j].via.str.ptr);
	free(ex->val);
	free(ex->seq[SEQ_IDS]);
}

static void write_batch(pt_writer *w, const schema *s, example *const *b, size_t n,
			const collate_opts *o)
{
	size_t width = 0;
	for (size_t i = 0; i < n; i++)
		if (b[i]->len > width)
			width = b[i]->len;
	if (o->pad_multiple > 0 && width % (size_t)o->pad_multiple)
		width += (size_t)o->pad_multiple - width % (size_t)o->pad_multiple;
	size_t nseq = 0;
	for (int q = 0; q < NSEQ; q++)
		nseq += (size_t)s->has_seq[q];
	wr_map(w, s->nkeys + nseq);
	for (size_t j = 0; j < s->nkeys; j++) {
		wr_key(w, strcmp(s->keys[j], "label") == 0 ? "labels" : s->keys[j]);
		if (s->wide[j]) {   /* one value per batch, as in every record */
			wr_str(w, s->wide[j], strlen(s->wide[j]));
			continue;
		}
		wr_array(w, n);
		for (size_t i = 0; i < n; i++)
			wr_obj(w, &b[i]->val[j]);
	}
	for (int q = 0; q < NSEQ; q++) {
		if (!s->has_seq[q])
			continue;
		int64_t pad = q == SEQ_IDS ? o->pad_id : 0;
		wr_key(w, seq_keys[q]);
		wr_array(w, n);
		for (size_t i = 0; i < n; i++) {
			wr_array(w, width);
			for (size_t t = 0; t < b[i]->len; t++)
				wr_int(w, b[i]->seq[q][t]);
			for (size_t t = b[i]->len; t < width; t++)
				wr_int(w, pad);
		}
	}
}

/* Stable sort of example pointers by length, longest first (merge sort). */
static void sort_by_len(example **a, size_t n, example **tmp)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_by_len(a, h, tmp);
	sort_by_len(a + h, n - h, tmp);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = a[j]->len > a[i]->len ? a[j++] : a[i++];
	while (i < h)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

static void run_streaming(pt_reader *r, pt_writer *w, const collate_opts *o)
{
	size_t bs = (size_t)o->batch_size, n = 0;
	example *ex = pt_calloc(bs, sizeof *ex);
	example **ptrs = pt_calloc(bs, sizeof *ptrs);
	for (size_t i = 0; i < bs; i++)
		ptrs[i] = &ex[i];
	schema s;
	pt_record rec;
	int first = 1;
	while (rec_next(r, &rec)) {
		if (first)
			schema_init(&s, &rec);
		first = 0;
		read_example(&rec, &s, &ex[n++]);
		if (n == bs) {
			write_batch(w, &s, ptrs, n, o);
			for (size_t i = 0; i < n; i++)
				example_free(&ex[i], &s);
			n = 0;
		}
	}
	if (n && !o->drop_last)
		write_batch(w, &s, ptrs, n, o);
	for (size_t i = 0; i < n; i++)
		example_free(&ex[i], &s);
	if (!first)
		schema_free(&s);
	free(ex);
	free(ptrs);
}

static void run_buffered(pt_reader *r, pt_writer *w, const collate_opts *o)
{
	size_t n = 0, cap = 0, bs = (size_t)o->batch_size;
	example *ex = NULL;
	schema s;
	pt_record rec;
	while (rec_next(r, &rec)) {
		if (n == 0)
			schema_init(&s, &rec);
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			ex = pt_realloc(ex, cap * sizeof *ex);
		}
		read_example(&rec, &s, &ex[n++]);
	}
	if (n == 0)
		return;
	example **order = pt_malloc(n * sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = &ex[i];
	uint64_t state = o->seed;
	if (o->shuffle)
		pt_shuffle(order, n, sizeof *order, &state);
	size_t nb = n / bs + (n % bs != 0);
	size_t *starts = pt_malloc(nb * sizeof *starts);
	if (o->group_by_length) {
		example **tmp = pt_malloc(n * sizeof *tmp);
		size_t mega = bs * MEGA;
		for (size_t i = 0; i < n; i += mega)
			sort_by_len(order + i, n - i < mega ? n - i : mega, tmp);
		free(tmp);
	}
	size_t kept = 0;
	for (size_t b = 0; b < nb; b++)
		if (!(o->drop_last && n - b * bs < bs))
			starts[kept++] = b * bs;
	if (o->shuffle && o->group_by_length)
		pt_shuffle(starts, kept, sizeof *starts, &state);
	for (size_t b = 0; b < kept; b++) {
		size_t len = n - starts[b] < bs ? n - starts[b] : bs;
		write_batch(w, &s, order + starts[b], len, o);
	}
	for (size_t i = 0; i < n; i++)
		example_free(&ex[i], &s);
	schema_free(&s);
	free(starts);
	free(order);
	free(ex);
}

void collate_run(pt_reader *r, pt_writer *w, const collate_opts *o)
{
	if (o->shuffle || o->group_by_length)
		run_buffered(r, w, o);
	else
		run_streaming(r, w, o);
}
