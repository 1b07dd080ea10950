/* batch: collated record -> validated bert_batch. */
#include "batch.h"
#include "stream.h"
#include "text/tokconfig.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void batch_init(batch_buf *bb)
{
	memset(bb, 0, sizeof *bb);
}

void batch_free(batch_buf *bb)
{
	free(bb->idx);
	free(bb->ids);
	free(bb->tt);
	free(bb->mask);
	free(bb->labels);
	free(bb->scratch);
	free(bb->flabels);
	free(bb->label_names);
	batch_init(bb);
}

/* A [B][T] integer field of the same shape as input_ids, each value in
 * [0, limit); what names the values for the message. */
static const int32_t *read_matrix(const pt_record *rec, const char *key, int32_t **buf, size_t *cap, size_t B,
				  size_t T, int32_t limit, const char *what)
{
	if (!rec_field(rec, key))
		return NULL;
	size_t rows, cols;
	rec_int_matrix(rec, key, buf, cap, &rows, &cols);
	if (rows != B || cols != T)
		rec_die(rec, key, "expected %zu rows of %zu (the shape of input_ids), got %zu rows of %zu", B, T, rows,
			cols);
	for (size_t i = 0; i < B * T; i++) {
		int32_t v = (*buf)[i];
		if (v < 0 || v >= limit)
			rec_die(rec, key, "row %zu, position %zu: %d is outside [0, %d) (%s)", i / T, i % T, v, limit,
				what);
	}
	return *buf;
}

int batch_read(pt_reader *r, batch_buf *bb, const bert_config *c)
{
	pt_record rec;
	if (!rec_next(r, &rec))
		return 0;
	bb->record = rec.index;
	stream_expect(&rec, STAGE_BATCH);
	if (rec_field(&rec, STREAM_TOKENIZER)) {
		if (!bb->fp_state)
			bb->fp_state = c->dir[0] && tokconfig_fingerprint(c->dir, bb->model_fp, sizeof bb->model_fp) ? 1 : -1;
		stream_check_tokenizer(&rec, bb->fp_state > 0 ? bb->model_fp : NULL, c->dir);
	}
	const msgpack_object *ln = rec_field(&rec, STREAM_LABEL_NAMES);
	if (ln) {
		if (ln->type != MSGPACK_OBJECT_STR)
			rec_die(&rec, STREAM_LABEL_NAMES, "expected a string (comma-separated label names), got %s",
				msgpack_type_name(ln));
		size_t n = ln->via.str.size;
		if (!bb->label_names || strlen(bb->label_names) != n || memcmp(bb->label_names, ln->via.str.ptr, n)) {
			free(bb->label_names);
			bb->label_names = pt_malloc(n + 1);
			memcpy(bb->label_names, ln->via.str.ptr, n);
			bb->label_names[n] = '\0';
		}
	}
	size_t B, T;
	rec_int_matrix(&rec, "input_ids", &bb->ids, &bb->ids_cap, &B, &T);
	if (B < 1 || T < 1)
		rec_die(&rec, "input_ids", "expected a non-empty batch of non-empty rows");
	if (T > (size_t)c->max_position_embeddings)
		rec_die(&rec, "input_ids", "rows of %zu tokens, but the model takes at most %d "
			"(max_position_embeddings)", T, c->max_position_embeddings);
	for (size_t i = 0; i < B * T; i++)
		if (bb->ids[i] < 0 || bb->ids[i] >= c->vocab_size)
			rec_die(&rec, "input_ids", "row %zu, position %zu: id %d is outside the vocabulary "
				"(vocab_size %d)", i / T, i % T, bb->ids[i], c->vocab_size);

	bb->b.B = (int)B;
	bb->b.T = (int)T;
	bb->b.input_ids = bb->ids;
	bb->b.token_type_ids = read_matrix(&rec, "token_type_ids", &bb->tt, &bb->tt_cap, B, T, c->type_vocab_size,
					   "type_vocab_size");
	bb->b.attention_mask = read_matrix(&rec, "attention_mask", &bb->mask, &bb->mask_cap, B, T, 2,
					   "a mask is 0 or 1");

	if (bb->idx_cap < B) {
		bb->idx = pt_realloc(bb->idx, B * sizeof *bb->idx);
		bb->idx_cap = B;
	}
	if (rec_field(&rec, "idx")) {
		size_t n = rec_int_array(&rec, "idx", &bb->scratch, &bb->scratch_cap);
		if (n != B)
			rec_die(&rec, "idx", "expected %zu values (one per row of input_ids), got %zu", B, n);
		for (size_t i = 0; i < B; i++)
			bb->idx[i] = bb->scratch[i];
	} else {
		for (size_t i = 0; i < B; i++)
			bb->idx[i] = bb->examples + (int64_t)i;
	}

	bb->b.labels = NULL;
	bb->b.float_labels = NULL;
	bb->has_labels = rec_field(&rec, "labels") != NULL;
	if (bb->has_labels && c->num_labels == 1) {
		size_t n = rec_float_array(&rec, "labels", &bb->flabels, &bb->flabels_cap);
		if (n != B)
			rec_die(&rec, "labels", "expected %zu values (one per row of input_ids), got %zu", B, n);
		bb->b.float_labels = bb->flabels;
	} else if (bb->has_labels) {
		size_t n = rec_int_array(&rec, "labels", &bb->labels, &bb->labels_cap);
		if (n != B)
			rec_die(&rec, "labels", "expected %zu values (one per row of input_ids), got %zu", B, n);
		for (size_t i = 0; i < B; i++)
			if (bb->labels[i] != -100 && (bb->labels[i] < 0 || bb->labels[i] >= c->num_labels))
				rec_die(&rec, "labels", "row %zu: label %d is outside [0, %d) (num_labels %d)", i,
					bb->labels[i], c->num_labels, c->num_labels);
		bb->b.labels = bb->labels;
	}
	bb->examples += (long)B;
	return 1;
}

void batch_set_load(batch_set *s, const char *path, const bert_config *c)
{
	memset(s, 0, sizeof *s);
	pt_reader *r = rec_open(path);
	batch_buf bb;
	batch_init(&bb);
	s->has_labels = 1;
	while (batch_read(r, &bb, c)) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->v = pt_realloc(s->v, s->cap * sizeof *s->v);
		}
		/* the struct owns heap buffers that its view points into: moving
		 * the struct keeps the view valid; bb starts afresh */
		s->v[s->n++] = bb;
		if (bb.b.B > s->max_rows)
			s->max_rows = bb.b.B;
		s->rows += bb.b.B;
		s->has_labels &= bb.has_labels;
		long seen = bb.examples;
		int fp_state = bb.fp_state;
		char fp[sizeof bb.model_fp];
		memcpy(fp, bb.model_fp, sizeof fp);
		batch_init(&bb);
		bb.examples = seen;
		bb.fp_state = fp_state;   /* the model's fingerprint, computed once */
		memcpy(bb.model_fp, fp, sizeof fp);
	}
	rec_close(r);
}

void batch_set_free(batch_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		batch_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
