/* collate: transformers' DataCollatorWithPadding over tok's records.
 *
 * In:  {"idx": 0, "label": 1, "input_ids": [..], "token_type_ids": [..], "attention_mask": [..]}
 * Out: {"idx": [..], "labels": [..], "input_ids": [[..],..], "token_type_ids": [[..],..],
 *       "attention_mask": [[..],..]}
 * Rows are right-padded to the longest row of the batch (rounded up to a
 * multiple of pad_multiple when set): input_ids with pad_id, token_type_ids
 * and attention_mask with 0. Every other field must be a scalar and passes
 * through as an array per batch, in the first record's key order; `label`
 * is renamed `labels` (and keeps its type: int, or float for STS-B); the
 * stream-wide strings `tokenizer` and `label_names` (stream.h) must equal
 * record 0's and are written once per batch, as plain strings. Records of
 * another stage (batches, predictions) are refused (stream_expect). Every
 * record must carry the same fields as the first (so labels are on all
 * records or none). token_type_ids and attention_mask are optional, but
 * the same for all records, and as long as input_ids. Checked on the way
 * in: ids and token types >= 0, mask values 0 or 1, `label` an integer
 * (or -100) or a float, of one kind in every record; a string label is
 * refused (tok --label-names maps those).
 *
 * Order: input order, streaming (one batch in memory), unless shuffle or
 * group_by_length, which read the whole input first.
 *  - shuffle: a permutation of the examples by pt_shuffle (rng.h:
 *    Fisher-Yates drawing from splitmix64 seeded with `seed`, bounded
 *    draws by rejection, no modulo bias).
 *  - group_by_length: like transformers' LengthGroupedSampler: the (shuffled
 *    when shuffle is set) order is cut into mega-batches of 50 batches,
 *    each sorted by length, longest first (stable), then cut into batches;
 *    with shuffle the batch order is then shuffled with the same generator.
 * drop_last drops the final short batch (the one batch that is short). */
#ifndef PT_COLLATE_H
#define PT_COLLATE_H

#include <stdint.h>

#include "record.h"

/* Bounds of the options (collate --help): a batch or a padding multiple
 * beyond them is refused before any input is read. */
#define COLLATE_MAX_BATCH 65536
#define COLLATE_MAX_MULTIPLE 65536

typedef struct {
	long batch_size;    /* [1, COLLATE_MAX_BATCH] */
	long pad_id;        /* input_ids padding, [0, INT32_MAX]; BERT's [PAD] is 0 */
	long pad_multiple;  /* 0: pad to the longest row; else [1, COLLATE_MAX_MULTIPLE] */
	int shuffle;
	uint64_t seed;
	int group_by_length;
	int drop_last;
} collate_opts;

/* Reads every record of r and writes the batches to w. Dies naming the
 * input, record and field on a record that does not fit (see above). */
void collate_run(pt_reader *r, pt_writer *w, const collate_opts *o);

#endif
