/* train_state: trainer_state.json, checkpoint-N/ and the final folder
 * (contracts in train_state.h). */
#include "train_state.h"

#include <float.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "ckpt_dir.h"
#include "backend/device.h"
#include "dist.h"
#include "pyfloat.h"
#include "safetensors.h"
#include "util.h"

/* trainer_state.json as the Trainer writes it (the fields pipetune uses). */
static void write_state(const trainer *t, const char *dir)
{
	pt_memfile mf;
	FILE *f = pt_memfile_open(&mf);
	char num[PYFLOAT_BUFSZ];
	pyfloat_repr(train_epoch_float(t, t->step), PYFLOAT_JSON, num);
	fprintf(f, "{\n  \"global_step\": %lld,\n  \"epoch\": %s,\n  \"max_steps\": %lld,\n"
		"  \"num_train_epochs\": %lld,\n  \"logging_steps\": %lld,\n  \"save_steps\": %lld,\n"
		"  \"train_batch_size\": %d,\n  \"seed\": %llu,\n  \"precision\": \"%s\",\n"
		"  \"steps_per_epoch\": %lld,\n"
		"  \"optimizer_steps\": %lld,\n  \"loss_scale\": %.9g,\n  \"loss_scale_good_steps\": %lld,\n"
		"  \"eval_pending\": %s,\n  \"log_history\": [",
		(long long)t->step, num, (long long)t->total_steps,
		(long long)((t->total_steps + t->steps_per_epoch - 1) / t->steps_per_epoch),
		(long long)t->o->logging_steps, (long long)t->o->save_steps, t->train.max_rows,
		(unsigned long long)t->o->seed, pt_precision_name(t->o->precision), (long long)t->steps_per_epoch,
		(long long)t->opt.step, (double)t->scaler.scale, (long long)t->scaler.good,
		t->eval_pending ? "true" : "false");
	for (size_t i = 0; i < t->log.n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		log_write_json(f, &t->log.v[i]);
	}
	fputs(t->log.n ? "\n  ]\n}\n" : "]\n}\n", f);
	char *path = pt_path_join(dir, "trainer_state.json");
	pt_memfile_commit(&mf, path);
	free(path);
}

static void save_optimizer(const trainer *t, const char *dir)
{
	char *p = pt_path_join(dir, "optimizer.safetensors");
	float *cm, *cv;
	st_out out[2] = {
		{"exp_avg", ST_F32, 1, {(int64_t)t->opt.n}, pt_host_view(t->opt.be, t->opt.m, t->opt.n, &cm)},
		{"exp_avg_sq", ST_F32, 1, {(int64_t)t->opt.n}, pt_host_view(t->opt.be, t->opt.v, t->opt.n, &cv)},
	};
	st_save(p, out, 2);
	free(cm);
	free(cv);
	free(p);
}

void train_save_checkpoint(trainer *t)
{
	char *dir = ckpt_dir_checkpoint(t->o->output_dir, (long)t->step);
	char *tmp = ckpt_dir_begin(dir);
	checkpoint_write(t->model, &t->cfg, tmp, t->o->model_dir);
	save_optimizer(t, tmp);
	write_state(t, tmp);
	ckpt_dir_commit(tmp, dir, NULL);
	free(tmp);
	free(dir);
	t->saved_step = t->step;
	ckpt_dir_rotate(t->o->output_dir, t->o->save_total_limit);
}

/* A count in trainer_state.json: a JSON integer >= 0 (a number such as
 * 1e300 is refused, never cast). */
static int64_t json_count(json_t *o, const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		pt_die("%s: field '%s': expected an integer >= 0", path, key);
	return (int64_t)json_integer_value(v);
}

void train_resume(trainer *t, const char *dir)
{
	char *sp = pt_path_join(dir, "trainer_state.json");
	json_error_t jerr;
	json_t *st = json_load_file(sp, 0, &jerr);
	if (!st)
		pt_die("%s: cannot read: %s", sp, jerr.text);
	int64_t step = json_count(st, "global_step", sp);
	int64_t spe = json_count(st, "steps_per_epoch", sp);
	if (spe != t->steps_per_epoch)
		pt_die("%s: the checkpoint was made with %lld batches an epoch, this input has %lld",
		       sp, (long long)spe, (long long)t->steps_per_epoch);
	if ((uint64_t)json_count(st, "seed", sp) != t->o->seed)
		pt_warn("%s: resuming with another --seed than the checkpoint's", sp);
	if (step > t->total_steps)
		pt_die("%s: global_step %lld is past this run's %lld steps", sp, (long long)step,
		       (long long)t->total_steps);
	/* optional (older checkpoints): AdamW's own count, which fp16's skipped
	 * steps leave behind the global step, and the loss scaler */
	int64_t opt_steps = json_is_number(json_object_get(st, "optimizer_steps"))
			    ? json_count(st, "optimizer_steps", sp) : step;
	if (json_is_number(json_object_get(st, "loss_scale")) && t->scaler.enabled) {
		double s = json_number_value(json_object_get(st, "loss_scale"));
		if (!(s > 0 && s <= FLT_MAX))
			pt_die("%s: field 'loss_scale': expected a positive float32", sp);
		t->scaler.scale = (float)s;
		t->scaler.good = json_count(st, "loss_scale_good_steps", sp);
	}
	t->eval_pending = json_is_true(json_object_get(st, "eval_pending"));
	train_log_load(&t->log, json_object_get(st, "log_history"));
	json_decref(st);
	free(sp);

	checkpoint_load(t->model, &t->cfg, dir, t->o->seed);
	char *op = pt_path_join(dir, "optimizer.safetensors");
	st_file *f = st_open(op);
	const st_tensor *m = st_find(f, "exp_avg"), *v = st_find(f, "exp_avg_sq");
	if (!m || !v || m->dtype != ST_F32 || v->dtype != ST_F32 || st_numel(m) != t->opt.n ||
	    st_numel(v) != t->opt.n)
		pt_die("%s: expected F32 tensors exp_avg and exp_avg_sq of %zu values", op, t->opt.n);
	adamw_set_moments(&t->opt, m->data, v->data);   /* straight from the mmap: no host copy */
	st_close(f);
	free(op);
	t->opt.step = opt_steps;
	t->step = step;
	t->saved_step = step;   /* this checkpoint holds the state */
	if (dist_rank() == 0)
		pt_warn("resuming from %s at step %lld (epoch %.2f)", dir, (long long)step,
			train_epoch_float(t, step));
}

void train_save_final(trainer *t)
{
	const char *out = t->o->output_dir;
	char *anchor = pt_path_join(out, "final");
	char *tmp = ckpt_dir_begin(anchor);   /* out/.final.tmp.PID, removed if we die */
	checkpoint_write(t->model, &t->cfg, tmp, t->o->model_dir);
	char *p = pt_path_join(tmp, "log.tsv");
	train_log_write_tsv(&t->log, pt_precision_name(t->o->precision), p);
	free(p);
	write_state(t, tmp);
	static const char *const order[] = {"model.safetensors", "config.json", "vocab.txt",
		"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "log.tsv",
		"trainer_state.json", NULL};
	ckpt_dir_commit(tmp, out, order);
	free(tmp);
	free(anchor);
}
