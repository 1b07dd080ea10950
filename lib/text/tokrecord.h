/* tokrecord: tok's output record, one per example (collate's input):
 *   {"idx": N, "label": L, "input_ids": [..], "token_type_ids": [..],
 *    "attention_mask": [1, ..]}
 * label only when the example has one: an integer for classification, a
 * float32 for regression. The three arrays are as long as input_ids. */
#ifndef PT_TOKRECORD_H
#define PT_TOKRECORD_H

#include "record.h"
#include "text/textinput.h"
#include "text/wordpiece.h"

/* Writes the record of example ex, encoded as enc, to w. */
void tokrecord_write(pt_writer *w, const ti_example *ex, const pt_encoding *enc, int regression);

#endif
