/* fuzz_record: the record reader (lib/record.c), collate (lib/collate.c)
 * and the batch reader (lib/batch.c).
 *
 * Input: one option byte, then a msgpack stream.
 *   bits 0-1: batch size - 1; bit 2: shuffle; bit 3: group by length;
 *   bit 4: drop last; bits 5-6: pad to a multiple of (0, 2, 3, 8);
 *   bit 7: a regression model (num_labels 1) for the batch reader.
 * The stream goes through collate (as `collate` would); collate's output,
 * when it succeeds, must be read by the batch reader without a sanitizer
 * report (an error is fine: ids may be out of the vocabulary); the stream
 * itself is also read as batches (what train/predict do with it). */
#include "batch.h"
#include "collate.h"
#include "fuzz.h"

#include <string.h>

#define OUT_CAP (16u << 20)
static char store[OUT_CAP];

typedef struct {
	FILE *in;
	collate_opts opts;
	fz_buf *out;
	bert_config cfg;
} job;

static void run_collate(void *arg)
{
	job *j = arg;
	pt_reader *r = rec_open_stream(j->in, "input");
	pt_writer w;
	fz_writer(&w, j->out);
	collate_run(r, &w, &j->opts);
	rec_close(r);
}

static void run_batches(void *arg)
{
	job *j = arg;
	pt_reader *r = rec_open_stream(j->in, "batches");
	batch_buf bb;
	batch_init(&bb);
	while (batch_read(r, &bb, &j->cfg))
		;
	batch_free(&bb);
	rec_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const long mult[4] = { 0, 2, 3, 8 };
	uint8_t o = data[0];
	fz_buf out;
	fz_buf_init(&out, store, OUT_CAP);
	job j = {
		.opts = {
			.batch_size = 1 + (o & 3),
			.shuffle = (o >> 2) & 1,
			.group_by_length = (o >> 3) & 1,
			.drop_last = (o >> 4) & 1,
			.pad_multiple = mult[(o >> 5) & 3],
			.seed = 42,
		},
		.out = &out,
		.cfg = {
			.vocab_size = 30522, .max_position_embeddings = 512, .type_vocab_size = 2,
			.num_labels = (o & 0x80) ? 1 : 3,
		},
	};
	j.in = fz_memfile(0, data + 1, size - 1);
	int status = fz_call(run_collate, &j);
	fclose(j.in);
	if (status == 0 && !out.overflow) {
		j.in = fz_memfile(0, out.p, out.n);
		fz_call(run_batches, &j);
		fclose(j.in);
	}
	j.in = fz_memfile(0, data + 1, size - 1);
	fz_call(run_batches, &j);
	fclose(j.in);
	return 0;
}
