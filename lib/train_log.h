/* train_log: the trainer's log entries, its history, and the progress bar.
 *
 * An entry is a few named numbers ({"loss": .., "step": ..}), printed as
 * Python prints them (pyfloat), so that the JSON Lines on stderr,
 * trainer_state.json's log_history and log.tsv read as the Trainer's. */
#ifndef PT_TRAIN_LOG_H
#define PT_TRAIN_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_t;

#define LOG_MAX_KEYS 24
typedef struct {
	int n;
	char key[LOG_MAX_KEYS][48];
	double val[LOG_MAX_KEYS];
	int is_int[LOG_MAX_KEYS];   /* printed as an integer */
} log_entry;

typedef struct {
	log_entry *v;               /* the history, oldest first */
	size_t n, cap;
	int progress_shown;         /* a progress line is on stderr */
} train_log;

/* Adds key = v to e (key truncated to 47 bytes); ignored when e already
 * holds LOG_MAX_KEYS numbers. */
void log_put(log_entry *e, const char *key, double v, int is_int);

/* Writes e as one JSON object (no newline) to f. */
void log_write_json(FILE *f, const log_entry *e);

/* Prints e as a JSON line on stderr (clearing the progress line first) and
 * appends it to the history. */
void train_log_emit(train_log *l, const log_entry *e);

/* Appends the entries of a JSON array of objects (trainer_state.json's
 * log_history) to the history: their numeric fields, integers kept as
 * integers; other fields and non-objects are skipped. */
void train_log_load(train_log *l, const struct json_t *history);

/* Writes log.tsv at path atomically: a first line "# precision P" (the
 * run's --precision), then "step<TAB>key<TAB>value" for every number of
 * every entry but step and epoch, for gnuplot. Dies on a write error. */
void train_log_write_tsv(const train_log *l, const char *precision, const char *path);

/* Frees the history; l may be reused after zeroing. */
void train_log_free(train_log *l);

/* The progress bar on stderr: "NN% [###   ] step/total  R steps/s  eta
 * MmSSs", redrawn in place. R counts training steps only: the steps done
 * since start_step over train_seconds, the time spent in them (evaluation
 * excluded); the eta is the remaining steps at that rate.
 * train_progress_eval shows "eval [###   ] i/n batches" while evaluating;
 * train_progress_clear erases either before other output. */
void train_progress_show(train_log *l, int64_t step, int64_t total, int64_t start_step, double train_seconds);
void train_progress_eval(train_log *l, int64_t i, int64_t n);
void train_progress_clear(train_log *l);

#endif
