/* stream: what the record streams between the tools carry besides the
 * examples, and which tool wrote a stream.
 *
 * Stages: tok writes one record per example (input_ids a flat array),
 * collate one record per batch (input_ids an array of rows), predict one
 * record per example with logits/prediction. A tool fed another stage's
 * output stops with the pipe that fixes it ("these are tok records, not
 * batches: pipe them through collate").
 *
 * Stream-wide fields, the same in every record (tok writes them in each
 * example's record, collate once per batch as plain strings):
 *   "tokenizer":   the tokenizer's fingerprint (wp_fingerprint: e.g.
 *                  "uncased-30522-1f0c..."), so train and predict can refuse
 *                  ids made with another vocabulary than the model's;
 *   "label_names": the label names, comma-separated, index = label id
 *                  (tok --label-names, or the GLUE task's), which train
 *                  writes into config.json's id2label/label2id. */
#ifndef PT_STREAM_H
#define PT_STREAM_H

#include "record.h"

#define STREAM_TOKENIZER "tokenizer"
#define STREAM_LABEL_NAMES "label_names"

typedef enum { STAGE_UNKNOWN, STAGE_TOK, STAGE_BATCH, STAGE_PREDICT } stream_stage;

/* Which tool's output rec looks like: collate's when input_ids is an array
 * of arrays, tok's when it is an array of integers, predict's when it has
 * no input_ids but logits or prediction; STAGE_UNKNOWN otherwise. */
stream_stage stream_stage_of(const pt_record *rec);

/* Dies (pt_die, naming the input and record) when rec is the output of
 * another stage than want, saying what it is and the pipe that fixes it.
 * Returns quietly for want's own records, for records it cannot place and,
 * when want is STAGE_PREDICT, for any record with logits or prediction. */
void stream_expect(const pt_record *rec, stream_stage want);

/* 1 when s names a stream-wide field ("tokenizer", "label_names"). */
int stream_is_wide_key(const char *s, size_t n);

/* The tokenizer check of train and predict: when rec carries a
 * "tokenizer" field and model_fp (the fingerprint of the model folder's
 * tokenizer, or NULL when it has none) differs, dies with one line that
 * describes both tokenizers, names model_dir and says how to fix it. */
void stream_check_tokenizer(const pt_record *rec, const char *model_fp, const char *model_dir);

#endif
