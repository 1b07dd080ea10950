/* train_state: trainer_state.json, checkpoint-N/ and the final folder
 * (contracts in train_state.h). */
#include "train_state.h"

#include <float.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "ckpt_dir.h"
#include "backend/device.h"
#include "dist.h"
#include "pyfloat.h"
#include "safetensors.h"
#include "util.h"

/* trainer_state.json: TrainerState's fields, as the Trainer writes them. */
static void write_state(const trainer *t, const char *dir)
{
	pt_memfile mf;
	FILE *f = pt_memfile_open(&mf);
	char num[PYFLOAT_BUFSZ], flos[PYFLOAT_BUFSZ];
	pyfloat_repr(train_epoch_float(t, t->step), PYFLOAT_JSON, num);
	pyfloat_repr(t->total_flos, PYFLOAT_JSON, flos);
	const train_opts *o = t->o;
	fprintf(f, "{\n  \"global_step\": %lld,\n  \"epoch\": %s,\n  \"max_steps\": %lld,\n"
		"  \"num_train_epochs\": %lld,\n  \"logging_steps\": %lld,\n  \"eval_steps\": %lld,\n"
		"  \"save_steps\": %lld,\n  \"train_batch_size\": %d,\n  \"num_input_tokens_seen\": 0,\n"
		"  \"total_flos\": %s,\n  \"best_metric\": null,\n  \"best_global_step\": null,\n"
		"  \"best_model_checkpoint\": null,\n  \"is_local_process_zero\": true,\n"
		"  \"is_world_process_zero\": true,\n  \"is_hyper_param_search\": false,\n"
		"  \"trial_name\": null,\n  \"trial_params\": null,\n"
		"  \"stateful_callbacks\": {\"pipetune\": {\"args\": {}, \"attributes\": {\"seed\": %llu, "
		"\"precision\": \"%s\", \"steps_per_epoch\": %lld, \"optimizer_steps\": %lld, \"loss_scale\": %.9g, "
		"\"loss_scale_good_steps\": %lld, \"eval_pending\": %s}}},\n"
		"  \"log_history\": [",
		(long long)t->step, num, (long long)t->total_steps,
		(long long)((t->total_steps + t->steps_per_epoch - 1) / t->steps_per_epoch),
		(long long)o->logging_steps, (long long)(o->eval_steps ? o->eval_steps : o->logging_steps),
		(long long)o->save_steps, t->train.max_rows, flos, (unsigned long long)o->seed,
		pt_precision_name(o->precision), (long long)t->steps_per_epoch, (long long)t->opt.step,
		(double)t->scaler.scale,
		(long long)t->scaler.good, t->eval_pending ? "true" : "false");
	for (size_t i = 0; i < t->log.n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		log_write_json(f, &t->log.v[i]);
	}
	fputs(t->log.n ? "\n  ]\n}\n" : "]\n}\n", f);
	char *path = pt_path_join(dir, "trainer_state.json");
	pt_memfile_commit(&mf, path);
	free(path);
}

void train_write_live(const trainer *t)
{
	char *p = pt_path_join(t->o->output_dir, "log.tsv");
	train_log_write_tsv(&t->log, pt_precision_name(t->o->precision), p);
	free(p);
	write_state(t, t->o->output_dir);
}

/* A JSON string value (jansson's escaping) or null. */
static void put_str(FILE *f, const char *key, const char *v, int last)
{
	fprintf(f, "  \"%s\": ", key);
	if (v) {
		json_t *s = json_string(v);
		char *d = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		fputs(d ? d : "null", f);
		free(d);
		json_decref(s);
	} else {
		fputs("null", f);
	}
	fputs(last ? "\n" : ",\n", f);
}

static void put_num(FILE *f, const char *key, double v)
{
	char num[PYFLOAT_BUFSZ];
	pyfloat_repr(v, PYFLOAT_JSON, num);
	fprintf(f, "  \"%s\": %s,\n", key, num);
}

void train_write_args(const trainer *t)
{
	const train_opts *o = t->o;
	static const char *const strategy[] = {"no", "epoch", "steps"};
	pt_memfile mf;
	FILE *f = pt_memfile_open(&mf);
	fputs("{\n", f);
	put_str(f, "output_dir", o->output_dir, 0);
	put_str(f, "model_name_or_path", o->model_dir, 0);
	put_num(f, "num_train_epochs", o->epochs);
	fprintf(f, "  \"max_steps\": %lld,\n", (long long)(o->max_steps > 0 ? o->max_steps : -1));
	fprintf(f, "  \"per_device_train_batch_size\": %d,\n", t->train.max_rows);
	put_num(f, "learning_rate", o->lr);
	put_num(f, "weight_decay", o->weight_decay);
	fputs("  \"adam_beta1\": 0.9,\n  \"adam_beta2\": 0.999,\n  \"adam_epsilon\": 1e-08,\n", f);
	put_num(f, "max_grad_norm", o->max_grad_norm);
	fputs("  \"lr_scheduler_type\": \"linear\",\n  \"optim\": \"adamw_torch\",\n", f);
	put_num(f, "warmup_ratio", o->warmup_ratio);
	fprintf(f, "  \"warmup_steps\": %lld,\n", (long long)o->warmup_steps);
	fprintf(f, "  \"logging_steps\": %lld,\n", (long long)o->logging_steps);
	put_str(f, "eval_strategy", strategy[o->eval_strategy], 0);
	fprintf(f, "  \"eval_steps\": %lld,\n", (long long)(o->eval_steps ? o->eval_steps : o->logging_steps));
	fprintf(f, "  \"per_device_eval_batch_size\": %d,\n", t->eval.n ? t->eval.max_rows : t->train.max_rows);
	fprintf(f, "  \"save_steps\": %lld,\n", (long long)o->save_steps);
	if (o->save_total_limit)
		fprintf(f, "  \"save_total_limit\": %d,\n", o->save_total_limit);
	else
		fputs("  \"save_total_limit\": null,\n", f);
	fprintf(f, "  \"seed\": %llu,\n", (unsigned long long)o->seed);
	put_str(f, "resume_from_checkpoint", o->resume_dir, 0);
	fprintf(f, "  \"fp16\": %s,\n  \"bf16\": %s,\n  \"tf32\": %s,\n",
		o->precision == PT_FP16 ? "true" : "false", o->precision == PT_BF16 ? "true" : "false",
		o->precision == PT_TF32 ? "true" : "false");
	fprintf(f, "  \"world_size\": %d,\n", dist_size());
	put_str(f, "train_file", o->train_path && strcmp(o->train_path, "-") ? o->train_path : "-", 0);
	put_str(f, "eval_file", o->eval_path, 0);
	put_str(f, "metric", o->metric_cmd, 0);
	put_str(f, "device", pt_device_describe(bert_get_backend(t->model)), 0);
	fprintf(f, "  \"num_labels\": %d,\n", t->cfg.num_labels);
	fprintf(f, "  \"from_scratch\": %s,\n  \"shuffle\": %s,\n", o->from_scratch ? "true" : "false",
		o->shuffle ? "true" : "false");
	fputs("  \"set\": [", f);
	for (int i = 0; i < o->nsets; i++) {
		json_t *js = json_string(o->sets[i]);
		char *d = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
		fprintf(f, "%s%s", i ? ", " : "", d ? d : "null");
		free(d);
		json_decref(js);
	}
	fputs("],\n", f);
	fprintf(f, "  \"steps_per_epoch\": %lld,\n", (long long)t->steps_per_epoch);
	fprintf(f, "  \"total_steps\": %lld\n}\n", (long long)t->total_steps);
	char *path = pt_path_join(o->output_dir, "training_args.json");
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
	/* pipetune's own fields: in stateful_callbacks (TrainerState has no
	 * others), or at the top in checkpoints of older versions */
	json_t *own = json_object_get(json_object_get(json_object_get(st, "stateful_callbacks"), "pipetune"),
				      "attributes");
	if (!json_is_object(own))
		own = st;
	if (json_is_number(json_object_get(st, "total_flos")))
		t->total_flos = json_number_value(json_object_get(st, "total_flos"));
	json_t *top = st;
	st = own;
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
	st = top;
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
		"trainer_state.json", NULL};   /* training_args.json is there since the start */
	ckpt_dir_commit(tmp, out, order);
	free(tmp);
	free(anchor);
}
