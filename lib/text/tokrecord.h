/* tokrecord: tok's output record, one per example (collate's input):
 *   {"idx": N, "label": L, "input_ids": [..], "token_type_ids": [..],
 *    "attention_mask": [1, ..], "tokenizer": "uncased-30522-..", "label_names": ".."}
 * label only when the example has one: an integer for classification, a
 * float32 for regression. The three arrays are as long as input_ids.
 * tokenizer and label_names are the stream-wide fields of stream.h:
 * tokenizer always (wp_fingerprint), label_names when not NULL. */
#ifndef PT_TOKRECORD_H
#define PT_TOKRECORD_H

#include "record.h"
#include "text/textinput.h"
#include "text/wordpiece.h"

/* Writes the record of example ex, encoded as enc, to w. */
void tokrecord_write(pt_writer *w, const ti_example *ex, const pt_encoding *enc, int regression,
		     const char *tokenizer, const char *label_names);

#endif
