/* trainer: the Hugging Face Trainer's loop over collated batches.
 *
 * Semantics (Trainer defaults): AdamW with decoupled weight decay (none on
 * biases and LayerNorm weights), linear warm-up then linear decay to 0,
 * global gradient-norm clipping, a fresh seeded batch order every epoch,
 * logging every logging_steps, checkpoint-N/ folders every save_steps,
 * optional evaluation every epoch or every eval_steps through an external
 * metric command (the Trainer's compute_metrics, as a process).
 *
 * Determinism: the batch order of epoch e is a permutation drawn from
 * (seed, e) and the dropout masks of step s from (seed, s), so a run resumed
 * from checkpoint-N replays exactly what the uninterrupted run would have
 * done: the final weights are bit-identical. */
#ifndef PT_TRAINER_H
#define PT_TRAINER_H

#include <stdint.h>

#include "backend/device.h"
#include "grad_sync.h"

enum eval_strategy { EVAL_NO, EVAL_EPOCH, EVAL_STEPS };

/* --eval-strategy: "no", "epoch" or "steps"; anything else (NULL too) is a
 * usage error (exit 2). */
enum eval_strategy train_eval_strategy_parse(const char *name);

/* Bounds of the run's length (train's --epochs and --max-steps): the step
 * counts stay exact in a double and far from int64 overflow. */
#define TRAIN_MAX_EPOCHS 1e6
#define TRAIN_MAX_STEPS ((int64_t)1 << 53)

typedef struct {
	const char *model_dir;     /* pretrained Hugging Face folder */
	const char *output_dir;    /* final model + checkpoint-N/ */
	const char *train_path;    /* collated batches; NULL or "-" = stdin */
	const char *eval_path;     /* collated batches for evaluation, or NULL */
	const char *metric_cmd;    /* shell command: prediction records in, metrics JSON out */
	const char *resume_dir;    /* checkpoint-N folder to resume from ("last": the newest in
	                              output_dir), or NULL */
	int from_scratch;          /* initialize every weight from the config (no checkpoint) */
	const char **sets;         /* --set KEY=VALUE overrides of config.json */
	int nsets;
	int num_labels;            /* 0: keep the config's */
	const char *label_names;   /* comma-separated names of labels 0.. for id2label, or NULL:
	                              the stream's label_names (tok's), if any */
	double epochs;
	int64_t max_steps;         /* > 0 overrides epochs */
	double lr, weight_decay, warmup_ratio, max_grad_norm;
	int64_t warmup_steps;      /* > 0 overrides warmup_ratio */
	int64_t logging_steps, save_steps, eval_steps;
	int save_total_limit;      /* keep at most this many checkpoint-N (0: all) */
	enum eval_strategy eval_strategy;
	uint64_t seed;
	int shuffle;               /* fresh batch order every epoch */
	int progress;              /* progress bar on stderr */
	pt_device device;          /* --device (pt_device_parse; default cpu) */
	pt_allreduce allreduce;    /* --allreduce (grad_sync_parse; default auto) */
	pt_precision precision;    /* --precision (pt_device_set_precision); fp16 adds loss scaling */
} train_opts;

/* Fills o with the Trainer's defaults. */
void train_opts_default(train_opts *o);

/* Runs the whole training; dies with one line on any error. The final model
 * is written atomically to o->output_dir (a model folder for tok, predict
 * and transformers), with trainer_state.json and log.tsv, which are also
 * rewritten (atomically) at each logging step and evaluation while the run
 * goes, and training_args.json, written before the first step. A metric
 * command that fails stops the run after saving checkpoint-STEP, with the
 * command's exit status. */
void train_run(const train_opts *o);

#endif
