/* train_state: the state of a training run (used by trainer.c only), and
 * the files it lives in: trainer_state.json, checkpoint-N/ folders and the
 * final model folder.
 *
 * A checkpoint-N folder holds the model folder's files (checkpoint_write),
 * optimizer.safetensors (AdamW's exp_avg and exp_avg_sq, F32) and
 * trainer_state.json. trainer_state.json holds the fields of transformers'
 * TrainerState and no others (TrainerState.load_from_json reads it); what
 * only pipetune's resume needs (seed, steps_per_epoch, optimizer_steps,
 * the fp16 loss scaler) sits in stateful_callbacks.pipetune.attributes.
 * Resuming from it restores everything the loop
 * depends on, so that a resumed run ends bit-identical to an
 * uninterrupted one. */
#ifndef PT_TRAIN_STATE_H
#define PT_TRAIN_STATE_H

#include <stdint.h>

#include "batch.h"
#include "bert.h"
#include "config.h"
#include "optim.h"
#include "train_log.h"
#include "trainer.h"

typedef struct {
	const train_opts *o;
	bert_config cfg;
	bert_model *model;
	adamw_state opt;
	batch_set train, eval;
	int64_t steps_per_epoch, total_steps, warmup;
	int64_t step;              /* optimizer steps done (global steps) */
	train_log log;
	double run_loss;           /* loss summed since the last log */
	int64_t run_steps;
	double total_loss;         /* over this process's steps, for train_loss */
	double t_start;
	int64_t start_step;        /* the step this process started from (resume) */
	double eval_seconds;       /* spent evaluating since t_start */
	double total_flos;         /* the Trainer's estimate: 6 x non-embedding parameters x
	                              input tokens (padding included), summed over the steps */
	double flos_per_token;     /* 6 x non-embedding parameters */
	grad_scaler scaler;        /* fp16's loss scaling; scale 1 otherwise */
	int64_t saved_step;        /* the step whose state a checkpoint-N holds (-1: none) */
	int eval_pending;          /* this step's evaluation was abandoned (a signal): saved
	                              in the checkpoint, run first by the resumed run */
} trainer;

/* The fractional epoch after step steps, as the Trainer logs it. */
static inline double train_epoch_float(const trainer *t, int64_t step)
{
	return (double)step / (double)t->steps_per_epoch;
}

/* Writes output_dir/checkpoint-STEP atomically (ckpt_dir_commit), then
 * removes the oldest checkpoints beyond save_total_limit; sets saved_step. */
void train_save_checkpoint(trainer *t);

/* Restores weights, optimizer moments and count, loss scaler, step, log
 * history and eval_pending from dir, a checkpoint-N folder of
 * train_save_checkpoint (saved_step becomes its step); t has
 * its model, optimizer, schedule and batches set up. Dies on a checkpoint
 * that does not fit this run (another number of batches an epoch, a step
 * past the end, missing or misshapen moments). */
void train_resume(trainer *t, const char *dir);

/* Writes log.tsv and trainer_state.json into output_dir as they stand,
 * each atomically, so `tail -f` and a live plot follow the run. */
void train_write_live(const trainer *t);

/* Writes output_dir/training_args.json atomically: the run's settings, as
 * the Trainer's TrainingArguments spell them where it has them
 * (learning_rate, num_train_epochs, ...), pipetune's own after. */
void train_write_args(const trainer *t);

/* Writes the final model, log.tsv and trainer_state.json into output_dir,
 * beside its checkpoint-N folders, each file whole (trainer_state.json
 * last) even if the run is killed while saving. */
void train_save_final(trainer *t);

#endif
