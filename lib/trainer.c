/* trainer: the training loop (contracts in trainer.h). It reads as llm.c's
 * train loop does: train_setup, init_or_resume, then for each step
 * train_step (forward, backward, clip, AdamW) and after_step (log,
 * evaluate, save), and train_finish. The run's files are train_state.c's,
 * the log's train_log.c's, evaluation train_eval.c's. */
#include "trainer.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/device.h"
#include "checkpoint.h"
#include "ckpt_dir.h"
#include "dist.h"
#include "grad_sync.h"
#include "interrupt.h"
#include "options.h"
#include "rng.h"
#include "train_eval.h"
#include "train_log.h"
#include "train_state.h"
#include "util.h"

void train_opts_default(train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 3;
	o->lr = 5e-5;
	o->max_grad_norm = 1.0;
	o->logging_steps = 500;
	o->save_steps = 500;
	o->seed = 42;
	o->shuffle = 1;
	o->eval_strategy = EVAL_NO;
}

enum eval_strategy train_eval_strategy_parse(const char *name)
{
	static const char *const names[] = { "no", "epoch", "steps" };
	return (enum eval_strategy)pt_opt_choice("--eval-strategy", name, names, 3);
}

/* Salts that keep the run's random streams apart though they share --seed:
 * the batch order of each epoch and the dropout masks of each step. */
#define SALT_EPOCH_ORDER 0x5151u
#define SALT_DROPOUT 0x100000001B3ull   /* a multiplier: seed * SALT_DROPOUT + step */

/* The batch order of epoch e: pt_shuffle (unbiased Fisher-Yates) driven by
 * splitmix64 from (seed, e), or the input order without shuffling. */
static void epoch_order(const trainer *t, int64_t epoch, size_t *order)
{
	size_t n = t->train.n;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (!t->o->shuffle)
		return;
	uint64_t s = pt_mix64(t->o->seed ^ pt_mix64((uint64_t)epoch + SALT_EPOCH_ORDER));
	pt_shuffle(order, n, sizeof *order, &s);
}

/* ---- set-up ---- */

/* The output folder this process created, removed at exit if it holds
 * no more than the live files below (a run that fails before saving
 * anything leaves no trace; a folder with checkpoints to resume from or a
 * model stays). Runs
 * after ckpt_dir's hook removed unfinished temporary folders: registered
 * before any of them is begun. */
static char *created_dir;

/* The files a run keeps current from its start (lib/train_state.c): they
 * resume nothing, so without a checkpoint or a model beside them they go
 * with the folder. */
static const char *const live_files[] = {"training_args.json", "log.tsv", "trainer_state.json"};

/* 1 when dir holds nothing but live_files. */
static int holds_only_live_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int only = 1;
	struct dirent *de;
	while (only && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		only = 0;
		for (size_t i = 0; i < sizeof live_files / sizeof *live_files; i++)
			if (!strcmp(de->d_name, live_files[i]))
				only = 1;
	}
	closedir(d);
	return only;
}

static void remove_created_dir(void)
{
	if (created_dir) {
		if (holds_only_live_files(created_dir))
			for (size_t i = 0; i < sizeof live_files / sizeof *live_files; i++) {
				char *p = pt_path_join(created_dir, live_files[i]);
				unlink(p);
				free(p);
			}
		rmdir(created_dir);
	}
	free(created_dir);
	created_dir = NULL;
}

/* Creates the output folder (rank 0) now, so that a folder that cannot be
 * made is said before the training, not at its first save. */
static void make_output_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0) {
		created_dir = pt_strdup(dir);
		atexit(remove_created_dir);
	} else if (errno != EEXIST) {
		pt_die("%s: cannot create: %s", dir, strerror(errno));
	}
}

/* Device, precision, gradient sync, config, batches, schedule, model and
 * optimizer: everything but the weights' values. */
static void train_setup(trainer *t, const train_opts *o)
{
	memset(t, 0, sizeof *t);
	t->o = o;
	t->saved_step = -1;
	if (o->metric_cmd && dist_rank() == 0)
		train_metric_check(o->metric_cmd);   /* before any work, not at the first evaluation */
	const pt_backend *be = pt_device_open(o->device, o->precision, dist_rank() == 0);
	grad_sync_init(be, o->allreduce);
	grad_scaler_init(&t->scaler, o->precision == PT_FP16);
	bert_config_load(o->model_dir, &t->cfg);
	if (o->num_labels)
		bert_config_set_num_labels(&t->cfg, o->num_labels);
	for (int i = 0; i < o->nsets; i++)
		bert_config_set(&t->cfg, o->sets[i]);

	batch_set_load(&t->train, o->train_path, &t->cfg);
	if (t->train.n == 0)
		pt_die("%s: no batches to train on", o->train_path ? o->train_path : "<stdin>");
	if (!t->train.has_labels)
		pt_die("%s: the batches carry no labels (field 'labels')",
		       o->train_path ? o->train_path : "<stdin>");
	if (o->eval_path)
		batch_set_load(&t->eval, o->eval_path, &t->cfg);
	/* id2label/label2id: --label-names, else the stream's (tok's) names */
	const char *names = o->label_names ? o->label_names : t->train.v[0].label_names;
	if (names && !bert_config_set_label_names(&t->cfg, names) && o->label_names)
		pt_usage_error("--label-names: expected %d distinct names (num_labels), got '%s'", t->cfg.num_labels,
			       o->label_names);

	t->steps_per_epoch = (int64_t)t->train.n;
	if (o->max_steps <= 0 && !(o->epochs * (double)t->steps_per_epoch <= (double)TRAIN_MAX_STEPS))
		pt_die("--epochs %g of %lld batches: over 2^53 steps", o->epochs, (long long)t->steps_per_epoch);
	t->total_steps = o->max_steps > 0 ? o->max_steps
					  : (int64_t)ceil(o->epochs * (double)t->steps_per_epoch);
	t->warmup = o->warmup_steps > 0 ? o->warmup_steps
					: (int64_t)ceil(o->warmup_ratio * (double)t->total_steps);

	if (!o->from_scratch && !o->resume_dir)
		checkpoint_check(&t->cfg, o->model_dir);   /* before the model's memory: a config that does not fit */
	t->model = bert_create_on(&t->cfg, be);
	bert_set_precision(t->model, o->precision);
	adamw_init_for(&t->opt, t->model, (float)o->weight_decay);
	/* the Trainer's floating_point_ops: 6 x parameters without the embeddings x tokens */
	double nonembed = 0;
	for (size_t i = 0; i < bert_param_count(t->model); i++) {
		const bert_param *p = bert_param_at(t->model, i);
		if (!strstr(p->name, "_embeddings.weight"))
			nonembed += (double)p->numel;
	}
	t->flos_per_token = 6 * nonembed;
}

/* The weights: from a checkpoint-N (resume), from the config alone
 * (--from-scratch), or from the pretrained model folder. */
static void init_or_resume(trainer *t)
{
	const train_opts *o = t->o;
	int lead = dist_rank() == 0;
	if (lead)
		make_output_dir(o->output_dir);
	if (o->resume_dir) {
		char *dir;
		if (strcmp(o->resume_dir, "last") != 0)
			dir = pt_strdup(o->resume_dir);
		else if (!(dir = ckpt_dir_last(o->output_dir))) {
			if (errno)
				pt_die("--resume-from-checkpoint last: %s: cannot open: %s", o->output_dir,
				       strerror(errno));
			pt_die("--resume-from-checkpoint last: %s has no checkpoint-N folder", o->output_dir);
		}
		train_resume(t, dir);
		free(dir);
	} else if (o->from_scratch) {
		/* BertForSequenceClassification(config): HF's _init_weights everywhere */
		for (size_t i = 0; i < bert_param_count(t->model); i++)
			bert_init_param(bert_param_at(t->model, i), &t->cfg, o->seed);
		if (lead)
			pt_warn("every weight newly initialized from %s/config.json (seed %llu)",
				o->model_dir, (unsigned long long)o->seed);
	} else {
		checkpoint_load(t->model, &t->cfg, o->model_dir, o->seed);
	}
	if (lead) {
		size_t np;
		bert_params(t->model, &np);
		pt_warn("%zu batches (%ld examples) an epoch, %lld steps, %zu parameters, %d rank%s%s%s",
			t->train.n, t->train.rows, (long long)t->total_steps, np, dist_size(),
			dist_size() == 1 ? "" : "s", grad_sync_active() ? ", gradients summed by " : "",
			grad_sync_active() ? grad_sync_describe() : "");
	}
}

/* ---- one step ---- */

/* Forward and backward of one global batch; returns its mean loss and
 * leaves d(mean loss)/d(params) in the gradient buffer. With several ranks
 * each takes a contiguous slice of the rows (rank r: rows [B*r/N,
 * B*(r+1)/N)), scales its gradient by its share of the rows and the ranks
 * sum them: the same mean-loss gradient one process computes on the whole
 * batch, up to float summation order. */
static float forward_backward(trainer *t, const bert_batch *gb, uint64_t dseed, float *logits)
{
	bert_zero_grad(t->model);
	int R = dist_rank(), N = dist_size();
	if (N == 1) {
		float loss = bert_forward(t->model, gb, 1, dseed, logits);
		bert_backward(t->model);
		if (grad_sync_active()) {   /* --allreduce nccl on one rank: the path, exercised */
			size_t n;
			float *g = bert_grads(t->model, &n);
			grad_sync_sum(g, n);
		}
		return loss;
	}
	int r0 = (int)((int64_t)gb->B * R / N), r1 = (int)((int64_t)gb->B * (R + 1) / N);
	size_t off = (size_t)r0 * (size_t)gb->T;
	bert_batch sub = *gb;
	sub.B = r1 - r0;
	sub.input_ids = gb->input_ids + off;
	sub.token_type_ids = gb->token_type_ids ? gb->token_type_ids + off : NULL;
	sub.attention_mask = gb->attention_mask ? gb->attention_mask + off : NULL;
	sub.labels = gb->labels ? gb->labels + r0 : NULL;
	sub.float_labels = gb->float_labels ? gb->float_labels + r0 : NULL;
	double share = (double)sub.B / (double)gb->B, loss = 0;
	size_t n;
	float *g = bert_grads(t->model, &n);
	if (sub.B > 0) {
		loss = share * bert_forward(t->model, &sub, 1, pt_mix64(dseed + (uint64_t)R), logits);
		bert_backward(t->model);
		bert_grads_scale(t->model, (float)share);
	}
	grad_sync_sum(g, n);
	dist_allreduce_sum_f64(&loss, 1);
	return (float)loss;
}

typedef struct {
	float loss;          /* the batch's mean loss */
	double grad_norm;    /* global gradient norm before clipping (unscaled) */
} step_result;

/* One optimizer step on batch b at step t->step: forward, backward, the
 * global norm, clip_grad_norm_ then AdamW, the clip factor (and fp16's
 * 1/scale) applied inside the update. fp16 skips a step that overflowed,
 * and then the schedule waits too (accelerate's scheduler does not step
 * after a skipped optimizer step): the lr follows AdamW's count. Dies on a
 * non-finite loss. Does not advance t->step. */
static step_result train_step(trainer *t, const bert_batch *b, float *logits)
{
	const train_opts *o = t->o;
	uint64_t dseed = pt_mix64(o->seed * SALT_DROPOUT + (uint64_t)t->step);
	float scale = t->scaler.scale;
	bert_set_loss_scale(t->model, scale);
	step_result r;
	r.loss = forward_backward(t, b, dseed, logits);
	if (!isfinite(r.loss))
		pt_die("step %lld: the loss is %f", (long long)t->step, r.loss);
	double scaled_norm = grad_global_norm(t->model);
	r.grad_norm = scaled_norm / scale;
	float coef = o->max_grad_norm > 0 ? clip_factor(r.grad_norm, o->max_grad_norm) : 1.0f;
	if (grad_scaler_update(&t->scaler, scaled_norm))
		adamw_step_scaled(&t->opt, t->model,
				  (float)linear_schedule_lr(o->lr, t->opt.step, t->warmup, t->total_steps),
				  scale == 1.0f ? coef : coef / scale);
	return r;
}

/* ---- logging, evaluation and saving between steps (rank 0) ---- */

static void emit(trainer *t, log_entry *e)
{
	log_put(e, "epoch", train_epoch_float(t, t->step), 0);
	log_put(e, "step", (double)t->step, 1);
	train_log_emit(&t->log, e);
}

static void log_train(trainer *t, double grad_norm)
{
	log_entry e = {0};
	log_put(&e, "loss", t->run_loss / (double)t->run_steps, 0);
	log_put(&e, "grad_norm", grad_norm, 0);
	log_put(&e, "learning_rate",
		linear_schedule_lr(t->o->lr, t->opt.step, t->warmup, t->total_steps), 0);
	emit(t, &e);
	t->run_loss = 0;
	t->run_steps = 0;
}

/* An evaluation a signal abandons is left pending: not logged, marked in
 * the checkpoint, redone first by the resumed run (the same log). When the
 * metric command fails, the model is not lost: checkpoint-STEP is saved
 * (its evaluation pending too), and train stops with the command's exit
 * status. */
static void evaluate(trainer *t)
{
	log_entry e = {0};
	double t0 = pt_now();
	int status = train_evaluate(t->model, &t->cfg, &t->eval, t->o->metric_cmd, &e,
				    t->o->progress ? &t->log : NULL);
	t->eval_seconds += pt_now() - t0;
	t->eval_pending = status != 0;
	if (status > 0) {
		if (t->saved_step != t->step)
			train_save_checkpoint(t);
		train_write_live(t);
		char *dir = ckpt_dir_checkpoint(t->o->output_dir, (long)t->step);
		if (dist_size() > 1)   /* the other ranks wait in the next all-reduce: end the job */
			pt_die("stopped at step %lld; the model is saved in %s (--resume-from-checkpoint last goes on)",
			       (long long)t->step, dir);
		pt_warn("stopped at step %lld; the model is saved in %s (--resume-from-checkpoint last goes on)",
			(long long)t->step, dir);
		free(dir);
		exit(status);
	}
	if (!t->eval_pending) {
		emit(t, &e);
		train_write_live(t);
	}
}

/* What the Trainer does after optimizer step t->step: log, evaluate, save. */
static void after_step(trainer *t, double grad_norm)
{
	const train_opts *o = t->o;
	if (t->step % o->logging_steps == 0) {
		log_train(t, grad_norm);
		train_write_live(t);
	}
	int epoch_end = t->step % t->steps_per_epoch == 0 || t->step == t->total_steps;
	if ((o->eval_strategy == EVAL_EPOCH && epoch_end) ||
	    (o->eval_strategy == EVAL_STEPS && t->step % o->eval_steps == 0))
		evaluate(t);
	if (o->save_steps > 0 && t->step % o->save_steps == 0)
		train_save_checkpoint(t);
	if (o->progress)
		train_progress_show(&t->log, t->step, t->total_steps, t->start_step,
				    pt_now() - t->t_start - t->eval_seconds);
}

/* The run's summary entry, the final model, and the peak memory line. */
static void train_finish(trainer *t, int64_t start_step)
{
	train_progress_clear(&t->log);
	double runtime = pt_now() - t->t_start;
	int64_t done = t->step - start_step;
	log_entry e = {0};
	log_put(&e, "train_runtime", runtime, 0);
	log_put(&e, "train_samples_per_second",
		runtime > 0 ? (double)done * t->train.rows / t->train.n / runtime : 0, 0);
	log_put(&e, "train_steps_per_second", runtime > 0 ? done / runtime : 0, 0);
	log_put(&e, "total_flos", t->total_flos, 0);
	log_put(&e, "train_loss", done ? t->total_loss / (double)done : NAN, 0);
	emit(t, &e);

	train_save_final(t);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		pt_warn("saved %s; peak memory %ld MB", t->o->output_dir, ru.ru_maxrss / 1024);
}

static void train_free(trainer *t)
{
	train_log_free(&t->log);
	adamw_free(&t->opt);
	batch_set_free(&t->train);
	batch_set_free(&t->eval);
	bert_free(t->model);
	bert_config_free(&t->cfg);
}

/* ---- SIGTERM, SIGINT ---- */

/* The signal that stops the run now (SIGTERM, SIGINT), or 0. Under MPI
 * every rank takes part (one all-reduce): any rank's signal stops them all
 * at the same step, so none is left waiting in a collective. */
static int stop_requested(void)
{
	int sig = pt_interrupt_pending();
	if (dist_size() > 1) {
		double got[2] = { sig == SIGINT, sig == SIGTERM };
		dist_allreduce_sum_f64(got, 2);
		if (!sig)
			sig = got[1] > 0 ? SIGTERM : got[0] > 0 ? SIGINT : 0;
	}
	return sig;
}

/* Ends the run on signal sig between two optimizer steps: rank 0 writes
 * checkpoint-N (atomic, as every checkpoint) unless this step's exists,
 * says where, and every rank exits with 128 + sig, the others once rank
 * 0's checkpoint is in place. */
static _Noreturn void stop_run(trainer *t, int sig, size_t *order, float *logits)
{
	const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
	if (dist_rank() == 0) {
		train_progress_clear(&t->log);
		if (t->step > 0 && t->saved_step != t->step)
			train_save_checkpoint(t);
		if (t->step > 0)
			pt_warn("%s: stopped after step %lld of %lld%s; %s/checkpoint-%lld holds it: continue "
				"with --resume-from-checkpoint last", name, (long long)t->step,
				(long long)t->total_steps,
				t->eval_pending ? " (its evaluation is left to the resumed run)" : "",
				t->o->output_dir, (long long)t->step);
		else
			pt_warn("%s: stopped before the first step; nothing to save", name);
	}
	if (dist_size() > 1) {
		double z = 0;
		dist_allreduce_sum_f64(&z, 1);   /* the other ranks wait for the checkpoint */
	}
	grad_sync_finalize();
	free(order);
	free(logits);
	train_free(t);
	dist_finalize();
	exit(128 + sig);
}

/* ---- the loop ---- */

void train_run(const train_opts *o)
{
	int lead = dist_rank() == 0;
	trainer t;
	pt_interrupt_install();   /* SIGTERM, SIGINT: stop between steps, with a checkpoint */
	train_setup(&t, o);
	init_or_resume(&t);

	size_t *order = pt_malloc(t.train.n * sizeof *order);
	float *logits = pt_malloc((size_t)t.train.max_rows * (size_t)t.cfg.num_labels * sizeof *logits);
	t.t_start = pt_now();
	t.start_step = t.step;
	if (t.eval_pending && (!lead || o->eval_strategy == EVAL_NO))
		t.eval_pending = 0;
	if (t.eval_pending)
		evaluate(&t);   /* the resumed checkpoint's evaluation, which a signal or a failed metric left */
	int sig = stop_requested();
	if (sig)
		stop_run(&t, sig, order, logits);
	int64_t start_step = t.step, cur_epoch = -1;
	if (lead)
		train_write_args(&t);
	while (t.step < t.total_steps) {
		int64_t epoch = t.step / t.steps_per_epoch;
		if (epoch != cur_epoch) {
			epoch_order(&t, epoch, order);
			cur_epoch = epoch;
		}
		const batch_buf *b = &t.train.v[order[t.step % t.steps_per_epoch]];
		step_result r = train_step(&t, &b->b, logits);
		t.total_flos += t.flos_per_token * (double)b->b.B * (double)b->b.T;
		t.step++;
		t.run_loss += r.loss;
		t.total_loss += r.loss;
		t.run_steps++;
		if (lead)   /* other ranks: straight on to the next step's all-reduce */
			after_step(&t, r.grad_norm);
		if ((sig = stop_requested()))
			stop_run(&t, sig, order, logits);
	}
	grad_sync_finalize();
	if (lead)
		train_finish(&t, start_step);
	free(order);
	free(logits);
	train_free(&t);
	pt_interrupt_uninstall();
}
