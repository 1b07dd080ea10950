/* train_eval: the Trainer's evaluation, with compute_metrics as a process. */
#ifndef PT_TRAIN_EVAL_H
#define PT_TRAIN_EVAL_H

#include "batch.h"
#include "bert.h"
#include "config.h"
#include "train_log.h"

/* Checks, before any training, that metric_cmd can run: the first word of
 * each command of its pipeline (split on unquoted '|', after VAR=value
 * assignments) is a shell builtin, a path to an executable, or found in
 * the folder of the running train and then $PATH, as the metric's shell
 * will search them. Dies (exit 2) naming the word and where it looked.
 * Words the check cannot read (quoted, or with $, `, ( or {) pass, and a
 * command that starts with a shell keyword (if, for, while, ...) is left
 * to the shell. */
void train_metric_check(const char *metric_cmd);

/* Runs m (created from c) over the batches of eval without dropout and adds
 * to e: eval_loss (the mean over the examples of the batches with labels;
 * absent when none has), then, when metric_cmd is not NULL, eval_KEY for
 * each number KEY of the JSON object that metric_cmd prints, then
 * eval_runtime, eval_samples_per_second and eval_steps_per_second.
 * metric_cmd runs as `sh -c metric_cmd` with the prediction records
 * (predict_write_batch) on its standard input, and with the folder of the
 * running train first in its PATH (so `glue-metric mrpc` finds the tool
 * beside train). When l is not NULL, shows an evaluation progress bar on
 * it. Returns 0 when done. A SIGTERM/SIGINT (lib/interrupt.h) abandons it
 * between batches, or when the metric command fails once one arrived
 * (Ctrl-C reaches the command too): returns TRAIN_EVAL_ABANDONED, e then
 * holds a part to discard. When the metric command fails otherwise (exits
 * non-zero, is killed, or prints no JSON object), says so on stderr in one
 * line and returns the exit status to stop with (> 0): the command's own,
 * 128 + the signal that killed it, or 1. Dies when the command cannot be
 * started. */
#define TRAIN_EVAL_ABANDONED (-1)
int train_evaluate(bert_model *m, const bert_config *c, const batch_set *eval,
		   const char *metric_cmd, log_entry *e, train_log *l);

#endif
