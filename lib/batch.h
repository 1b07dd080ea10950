/* batch: one collated record (collate's output) into a bert_batch, checked
 * against the model config.
 *
 * A record: {"idx": [B], "labels": [B] (optional), "input_ids": [B][T],
 * "token_type_ids": [B][T] (optional, 0s), "attention_mask": [B][T]
 * (optional, 1s)}. Every defect dies naming the input, the record and the
 * field: a shape that differs between fields, an id >= vocab_size, a token
 * type >= type_vocab_size, a mask value other than 0/1, T >
 * max_position_embeddings, a label outside [0, num_labels) (-100, torch's
 * ignore_index, is allowed), a non-integer label for classification,
 * another stage's records (tok's, predict's: stream_expect), and ids made
 * by another tokenizer than the model folder's (the record's "tokenizer"
 * against c->dir's tokenizer, stream_check_tokenizer). */
#ifndef PT_BATCH_H
#define PT_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "bert.h"
#include "config.h"
#include "record.h"
#include "text/wordpiece.h"

typedef struct {
	bert_batch b;          /* points into the buffers below; valid until the next batch_read */
	int64_t *idx;          /* [B] the examples' idx (running count when the record has none) */
	int has_labels;
	long record;           /* 0-based record number of this batch in its input */
	long examples;         /* examples read so far, this batch included */
	char *label_names;     /* the stream's "label_names" (comma-separated), or NULL */
	char model_fp[WP_FINGERPRINT_MAX];  /* c->dir's tokenizer fingerprint, once needed */
	int fp_state;          /* 0: not computed yet, 1: model_fp set, -1: the folder has no tokenizer */
	/* owned buffers */
	int32_t *ids, *tt, *mask, *labels, *scratch;   /* [B*T] x3, [B], scratch */
	float *flabels;        /* [B] */
	size_t ids_cap, tt_cap, mask_cap, labels_cap, scratch_cap, flabels_cap, idx_cap;
} batch_buf;

/* Zeroes bb; call once before the first batch_read. */
void batch_init(batch_buf *bb);
/* Reads the next record of r into bb (b.labels for classification,
 * b.float_labels when c->num_labels == 1). Returns 1, or 0 at the end of
 * the input. Dies on any bad field (see above). */
int batch_read(pt_reader *r, batch_buf *bb, const bert_config *c);
/* Frees the buffers; bb may be reused after batch_init. */
void batch_free(batch_buf *bb);

/* Every batch of an input, kept in memory (train reads its input once). */
typedef struct {
	batch_buf *v;     /* each owns its buffers; v[i].b is the bert_batch */
	size_t n, cap;
	int max_rows;     /* largest B */
	long rows;        /* examples */
	int has_labels;   /* every batch has labels */
} batch_set;

/* Reads every batch of path (NULL or "-": stdin) into s, checked against c
 * as batch_read does. Dies on any bad record. */
void batch_set_load(batch_set *s, const char *path, const bert_config *c);
/* Frees the batches; s is zeroed. */
void batch_set_free(batch_set *s);

#endif
