/* tokrecord: tok's output record (layout in tokrecord.h). */
#include "text/tokrecord.h"
#include "stream.h"

#include <string.h>

void tokrecord_write(pt_writer *w, const ti_example *ex, const pt_encoding *enc, int regression,
		     const char *tokenizer, const char *label_names)
{
	size_t n = enc->ids.n;
	wr_map(w, (ex->has_label ? 6 : 5) + (label_names ? 1 : 0));
	wr_key(w, "idx");
	wr_int(w, ex->idx);
	if (ex->has_label) {
		wr_key(w, "label");
		if (regression)
			wr_f32(w, ex->flabel);
		else
			wr_int(w, ex->label);
	}
	wr_key(w, "input_ids");
	wr_int_array(w, enc->ids.v, n);
	wr_key(w, "token_type_ids");
	wr_int_array(w, enc->type_ids.v, n);
	wr_key(w, "attention_mask");
	wr_array(w, n);
	for (size_t i = 0; i < n; i++)
		wr_int(w, 1);
	wr_key(w, STREAM_TOKENIZER);
	wr_str(w, tokenizer, strlen(tokenizer));
	if (label_names) {
		wr_key(w, STREAM_LABEL_NAMES);
		wr_str(w, label_names, strlen(label_names));
	}
}
