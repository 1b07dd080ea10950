/* predict: Trainer.predict() over collated batches, one output record per
 * example in input order:
 *   {"idx": 0, "label": 1, "logits": [-1.2, 2.3], "prediction": 1}
 * label only when the batch has labels; for a regression model
 * (num_labels == 1) the label is a float and there is no prediction (use
 * logits[0]). Logits are float32; prediction is the first maximum (numpy's
 * argmax; a NaN wins, as in numpy). */
#ifndef PT_PREDICT_H
#define PT_PREDICT_H

#include <stdio.h>

#include "batch.h"
#include "bert.h"
#include "config.h"
#include "record.h"

typedef struct {
	long examples;       /* records written */
	long batches;
	double loss_sum;     /* sum over labelled batches of mean loss x batch size */
	long loss_examples;  /* examples in the labelled batches */
} predict_stats;

/* Writes one record per row of bb from logits [B, num_labels]. */
void predict_write_batch(pt_writer *w, const batch_buf *bb, const float *logits, int num_labels);

/* Reads every batch of r (batch_read: dies on a bad one), runs the model
 * (eval mode: no dropout) and writes the prediction records to w. Fills
 * *st (zeroed first). Under MPI (dist_size() > 1) every rank reads all of
 * r, batch k runs on rank k % size, and rank 0 gathers the logits and
 * writes every record in input order (w is used on rank 0 only; NULL
 * elsewhere is fine); st's loss is summed over ranks on every rank. */
void predict_run(bert_model *m, const bert_config *c, pt_reader *r, pt_writer *w, predict_stats *st);

/* The Trainer's eval_loss: the mean over labelled examples of their batch's
 * mean loss; NAN when no batch had labels.
 * Exported for tests; predict_report is its caller. */
double predict_eval_loss(const predict_stats *st);

/* Writes {"eval_loss": x, "eval_samples": n} and a newline to f (Python's
 * float repr), when some batch had labels; nothing otherwise. */
void predict_report(FILE *f, const predict_stats *st);

#endif
