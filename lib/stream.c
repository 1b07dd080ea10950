/* stream: stages and stream-wide fields of the record streams. */
#include "stream.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

stream_stage stream_stage_of(const pt_record *rec)
{
	const msgpack_object *ids = rec_field(rec, "input_ids");
	if (!ids && (rec_field(rec, "logits") || rec_field(rec, "prediction")))
		return STAGE_PREDICT;
	if (!ids || ids->type != MSGPACK_OBJECT_ARRAY)
		return STAGE_UNKNOWN;
	if (ids->via.array.size == 0)
		return STAGE_UNKNOWN;
	const msgpack_object *first = &ids->via.array.ptr[0];
	if (first->type == MSGPACK_OBJECT_ARRAY)
		return STAGE_BATCH;
	if (first->type == MSGPACK_OBJECT_POSITIVE_INTEGER || first->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return STAGE_TOK;
	return STAGE_UNKNOWN;
}

void stream_expect(const pt_record *rec, stream_stage want)
{
	stream_stage got = stream_stage_of(rec);
	if (got == want || got == STAGE_UNKNOWN)
		return;
	if (want == STAGE_PREDICT && (rec_field(rec, "logits") || rec_field(rec, "prediction")))
		return;   /* predictions that kept their inputs */
	const char *fix = "";
	switch (want) {
	case STAGE_BATCH:
		fix = got == STAGE_TOK ? "these are tok records, not batches: pipe them through collate "
					 "(tok ... | collate | %s)"
				       : "these are predict's records (logits, prediction), not batches: %s reads "
					 "collate's output (tok ... | collate | %s)";
		break;
	case STAGE_TOK:
		fix = got == STAGE_BATCH ? "these are batches (collate's output), not tok records: they are "
					   "collated already, give them to train or predict as they are (%s reads "
					   "tok's output)"
					 : "these are predict's records, not tok records: %s reads tok's output "
					   "(tok ... | %s)";
		break;
	case STAGE_PREDICT:
		fix = got == STAGE_TOK ? "these are tok records, not predictions: pipe them through collate and "
					 "predict (tok ... | collate | predict --model RUN | %s)"
				       : "these are batches, not predictions: pipe them through predict "
					 "(... | predict --model RUN | %s)";
		break;
	case STAGE_UNKNOWN:
		return;
	}
	char msg[512];
	snprintf(msg, sizeof msg, fix, pt_progname, pt_progname);
	rec_die(rec, NULL, "%s", msg);
}

int stream_is_wide_key(const char *s, size_t n)
{
	return (n == strlen(STREAM_TOKENIZER) && memcmp(s, STREAM_TOKENIZER, n) == 0) ||
	       (n == strlen(STREAM_LABEL_NAMES) && memcmp(s, STREAM_LABEL_NAMES, n) == 0);
}

/* "an uncased tokenizer of 30522 tokens (uncased-30522-HASH)" from a
 * fingerprint (wp_fingerprint's form), or the text itself quoted. */
static void describe(char *out, size_t n, const char *fp, size_t len)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%.*s", (int)len, fp);
	int cased = strncmp(tmp, "cased-", 6) == 0, uncased = strncmp(tmp, "uncased-", 8) == 0;
	char *end;
	long vocab = cased || uncased ? strtol(tmp + (cased ? 6 : 8), &end, 10) : -1;
	if (vocab > 0 && *end == '-')
		snprintf(out, n, "%s tokenizer of %ld tokens (%s)", cased ? "a cased" : "an uncased", vocab, tmp);
	else
		snprintf(out, n, "tokenizer '%s'", tmp);
}

void stream_check_tokenizer(const pt_record *rec, const char *model_fp, const char *model_dir)
{
	const msgpack_object *o = rec_field(rec, STREAM_TOKENIZER);
	if (!o || !model_fp)
		return;
	if (o->type != MSGPACK_OBJECT_STR)
		rec_die(rec, STREAM_TOKENIZER, "expected a string (tok's tokenizer fingerprint), got %s",
			msgpack_type_name(o));
	size_t n = o->via.str.size;
	if (n == strlen(model_fp) && memcmp(o->via.str.ptr, model_fp, n) == 0)
		return;
	char a[256], b[256];
	describe(a, sizeof a, o->via.str.ptr, n);
	describe(b, sizeof b, model_fp, strlen(model_fp));
	rec_die(rec, STREAM_TOKENIZER, "these ids were made by %s, but the model %s uses %s: tokenize the text "
		"again with tok --model %s", a, model_dir, b, model_dir);
}
