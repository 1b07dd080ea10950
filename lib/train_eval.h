/* train_eval: the Trainer's evaluation, with compute_metrics as a process. */
#ifndef PT_TRAIN_EVAL_H
#define PT_TRAIN_EVAL_H

#include "batch.h"
#include "bert.h"
#include "config.h"
#include "train_log.h"

/* Runs m (created from c) over the batches of eval without dropout and adds
 * to e: eval_loss (the mean over the examples of the batches with labels;
 * absent when none has), then, when metric_cmd is not NULL, eval_KEY for
 * each number KEY of the JSON object that metric_cmd prints when fed the
 * prediction records (predict_write_batch) on stdin, then eval_runtime and
 * eval_samples_per_second; returns 1. A SIGTERM/SIGINT (lib/interrupt.h)
 * abandons it between batches, or when the metric command fails once one
 * arrived (Ctrl-C reaches the command too): returns 0, e then holds a part
 * to discard. A metric that completes is kept. Dies when metric_cmd cannot
 * run, fails (no signal), or prints no JSON object. */
int train_evaluate(bert_model *m, const bert_config *c, const batch_set *eval,
		   const char *metric_cmd, log_entry *e);

#endif
