/* predict: batches in, one prediction record per example out. */
#include "predict.h"
#include "backend.h"
#include "device.h"
#include "pyfloat.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* numpy.argmax: the first maximum; the first NaN if there is one. */
static int argmax(const float *v, int n)
{
	int best = 0;
	for (int j = 0; j < n; j++) {
		if (isnan(v[j]))
			return j;
		if (v[j] > v[best])
			best = j;
	}
	return best;
}

void predict_write_batch(pt_writer *w, const batch_buf *bb, const float *logits, int num_labels)
{
	int regression = num_labels == 1;
	for (int i = 0; i < bb->b.B; i++) {
		const float *l = logits + (size_t)i * num_labels;
		wr_map(w, 2 + (bb->has_labels ? 1 : 0) + (regression ? 0 : 1));
		wr_key(w, "idx");
		wr_int(w, bb->idx[i]);
		if (bb->has_labels) {
			wr_key(w, "label");
			if (regression)
				wr_f32(w, bb->b.float_labels[i]);
			else
				wr_int(w, bb->b.labels[i]);
		}
		wr_key(w, "logits");
		wr_f32_array(w, l, (size_t)num_labels);
		if (!regression) {
			wr_key(w, "prediction");
			wr_int(w, argmax(l, num_labels));
		}
	}
}

void predict_run(bert_model *m, const bert_config *c, pt_reader *r, pt_writer *w, predict_stats *st)
{
	batch_buf bb;
	batch_init(&bb);
	float *logits = NULL;
	size_t cap = 0;
	*st = (predict_stats){0};
	while (batch_read(r, &bb, c)) {
		size_t need = (size_t)bb.b.B * (size_t)c->num_labels;
		if (need > cap) {
			logits = pt_realloc(logits, need * sizeof *logits);
			cap = need;
		}
		float loss = bert_forward(m, &bb.b, 0, 0, logits);
		predict_write_batch(w, &bb, logits, c->num_labels);
		st->batches++;
		st->examples += bb.b.B;
		if (bb.has_labels && !isnan(loss)) {
			st->loss_sum += (double)loss * bb.b.B;
			st->loss_examples += bb.b.B;
		}
	}
	free(logits);
	batch_free(&bb);
}

double predict_eval_loss(const predict_stats *st)
{
	return st->loss_examples ? st->loss_sum / (double)st->loss_examples : NAN;
}

void predict_report(FILE *f, const predict_stats *st)
{
	if (!st->loss_examples)
		return;
	char buf[PYFLOAT_BUFSZ];
	pyfloat_repr(predict_eval_loss(st), PYFLOAT_JSON, buf);
	fprintf(f, "{\"eval_loss\": %s, \"eval_samples\": %ld}\n", buf, st->loss_examples);
}

const pt_backend *predict_device(const char *name)
{
	const pt_backend *be = pt_device_select(name);
	if (be != &pt_cpu_backend)
		pt_warn("device: %s", pt_device_describe(be));
	return be;
}
