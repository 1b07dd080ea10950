/* fuzz_metric: glue-metric's input (lib/metrics.c glue_read) and scoring.
 *
 * Input: one byte choosing the metric (its value mod 4: matthews
 * correlation, pearson/spearman, accuracy+f1, accuracy), then a msgpack
 * stream of prediction records. */
#include "fuzz.h"
#include "metrics.h"

typedef struct {
	FILE *in;
	enum glue_kind kind;
} job;

static void run(void *arg)
{
	job *j = arg;
	pt_reader *r = rec_open_stream(j->in, "input");
	glue_inputs in = { 0 };
	glue_read(r, j->kind, &in);
	char buf[256];
	glue_result_json(j->kind, &in, rec_source(r), buf);
	glue_inputs_free(&in);
	rec_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const enum glue_kind kinds[4] = { GLUE_MCC, GLUE_CORR, GLUE_ACC_F1, GLUE_ACC };
	job j = { fz_memfile(0, data + 1, size - 1), kinds[data[0] & 3] };
	fz_call(run, &j);
	fclose(j.in);
	return 0;
}
