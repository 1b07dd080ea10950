/* predict: batches in, one prediction record per example out, on one
 * rank or sharded across MPI ranks. */
#include "predict.h"
#include "backend/backend.h"
#include "backend/device.h"
#include "dist.h"
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

/* One record per row: idx, label (if has_labels), logits, prediction. */
static void write_rows(pt_writer *w, int B, const int64_t *idx, int has_labels, const int32_t *labels,
		       const float *float_labels, const float *logits, int num_labels)
{
	int regression = num_labels == 1;
	for (int i = 0; i < B; i++) {
		const float *l = logits + (size_t)i * num_labels;
		wr_map(w, 2 + (has_labels ? 1 : 0) + (regression ? 0 : 1));
		wr_key(w, "idx");
		wr_int(w, idx[i]);
		if (has_labels) {
			wr_key(w, "label");
			if (regression)
				wr_f32(w, float_labels[i]);
			else
				wr_int(w, labels[i]);
		}
		wr_key(w, "logits");
		wr_f32_array(w, l, (size_t)num_labels);
		if (!regression) {
			wr_key(w, "prediction");
			wr_int(w, argmax(l, num_labels));
		}
	}
}

void predict_write_batch(pt_writer *w, const batch_buf *bb, const float *logits, int num_labels)
{
	write_rows(w, bb->b.B, bb->idx, bb->has_labels, bb->b.labels, bb->b.float_labels, logits, num_labels);
}

/* What rank 0 keeps of every batch to write its records after the gather. */
typedef struct {
	int B, has_labels;
	int64_t *idx;
	int32_t *labels;
	float *float_labels;
} kept_rows;

static void keep_rows(kept_rows *k, const batch_buf *bb)
{
	int B = bb->b.B;
	k->B = B;
	k->has_labels = bb->has_labels;
	k->idx = pt_malloc(sizeof(int64_t) * B);
	memcpy(k->idx, bb->idx, sizeof(int64_t) * B);
	k->labels = NULL;
	k->float_labels = NULL;
	if (bb->has_labels && bb->b.labels) {
		k->labels = pt_malloc(sizeof(int32_t) * B);
		memcpy(k->labels, bb->b.labels, sizeof(int32_t) * B);
	}
	if (bb->has_labels && bb->b.float_labels) {
		k->float_labels = pt_malloc(sizeof(float) * B);
		memcpy(k->float_labels, bb->b.float_labels, sizeof(float) * B);
	}
}

/* Grows *buf (capacity *cap floats) to hold need floats. */
static void reserve_f32(float **buf, size_t *cap, size_t need)
{
	if (need > *cap) {
		*cap = need > 2 * *cap ? need : 2 * *cap;
		*buf = pt_realloc(*buf, pt_mul_size(*cap, sizeof(float), "logits"));
	}
}

void predict_run(bert_model *m, const bert_config *c, pt_reader *r, pt_writer *w, predict_stats *st)
{
	int R = dist_rank(), N = dist_size(), NL = c->num_labels;
	batch_buf bb;
	batch_init(&bb);
	float *logits = NULL;   /* one rank: the batch's; more: all of this rank's batches */
	size_t cap = 0, used = 0;
	kept_rows *kept = NULL;  /* more ranks, on rank 0: every batch's rows */
	size_t nkept = 0, capkept = 0;
	*st = (predict_stats){0};
	/* Every rank reads and checks every batch; batch k is run by rank
	 * k % N, and rank 0 writes all records, in input order, at the end. */
	for (long k = 0; batch_read(r, &bb, c); k++) {
		size_t need = (size_t)bb.b.B * (size_t)NL;
		if (k % N == R) {
			if (N == 1)
				used = 0;
			reserve_f32(&logits, &cap, pt_add_size(used, need, "logits"));
			float loss = bert_forward(m, &bb.b, 0, 0, logits + used);
			if (N == 1)
				predict_write_batch(w, &bb, logits, NL);
			else
				used += need;
			if (bb.has_labels && !isnan(loss)) {
				st->loss_sum += (double)loss * bb.b.B;
				st->loss_examples += bb.b.B;
			}
		}
		if (N > 1 && R == 0) {
			if (nkept == capkept) {
				capkept = capkept ? 2 * capkept : 64;
				kept = pt_realloc(kept, capkept * sizeof *kept);
			}
			keep_rows(&kept[nkept++], &bb);
		}
		st->batches++;
		st->examples += bb.b.B;
	}
	if (N > 1) {
		double sums[2] = { st->loss_sum, (double)st->loss_examples };
		dist_allreduce_sum_f64(sums, 2);
		st->loss_sum = sums[0];
		st->loss_examples = (long)sums[1];
		size_t total;
		float *all = dist_gather_f32(logits, used, &total);
		if (R == 0) {
			/* rank q's logits start after those of ranks < q */
			size_t *cur = pt_calloc((size_t)N, sizeof *cur);
			for (size_t k = 0; k < nkept; k++)
				if ((int)(k % N) + 1 < N)
					cur[k % N + 1] += (size_t)kept[k].B * NL;
			for (int q = 1; q < N; q++)
				cur[q] += cur[q - 1];
			for (size_t k = 0; k < nkept; k++) {
				kept_rows *kr = &kept[k];
				write_rows(w, kr->B, kr->idx, kr->has_labels, kr->labels, kr->float_labels,
					   all + cur[k % N], NL);
				cur[k % N] += (size_t)kr->B * NL;
				free(kr->idx);
				free(kr->labels);
				free(kr->float_labels);
			}
			if (cur[N - 1] != total)
				pt_die("predict: gathered %zu logits, expected %zu", total, cur[N - 1]);
			free(cur);
		}
		free(all);
		free(kept);
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
