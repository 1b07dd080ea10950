#include "trainer.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "batch.h"
#include "bert.h"
#include "checkpoint.h"
#include "config.h"
#include "backend/device.h"
#include "dist.h"
#include "grad_sync.h"
#include "optim.h"
#include "predict.h"
#include "pyfloat.h"
#include "rng.h"
#include "safetensors.h"
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

/* ---- the batches, kept in memory (train reads its input once) ---- */

typedef struct {
	batch_buf *v;     /* each owns its buffers; v[i].b is the bert_batch */
	size_t n, cap;
	int max_rows;     /* largest B */
	long rows;        /* examples */
	int has_labels;   /* every batch has labels */
} batch_set;

/* Reads every batch of path (NULL: stdin), checked against c. */
static void batch_set_load(batch_set *s, const char *path, const bert_config *c)
{
	memset(s, 0, sizeof *s);
	pt_reader *r = rec_open(path);
	batch_buf bb;
	batch_init(&bb);
	s->has_labels = 1;
	while (batch_read(r, &bb, c)) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->v = pt_realloc(s->v, s->cap * sizeof *s->v);
		}
		/* the struct owns heap buffers that its view points into: moving
		 * the struct keeps the view valid; bb starts afresh */
		s->v[s->n++] = bb;
		if (bb.b.B > s->max_rows)
			s->max_rows = bb.b.B;
		s->rows += bb.b.B;
		s->has_labels &= bb.has_labels;
		long seen = bb.examples;
		batch_init(&bb);
		bb.examples = seen;
	}
	rec_close(r);
}

static void batch_set_free(batch_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		batch_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- logs: one entry is a few named numbers, printed as Python would ---- */

#define LOG_MAX_KEYS 24
typedef struct {
	int n;
	char key[LOG_MAX_KEYS][48];
	double val[LOG_MAX_KEYS];
	int is_int[LOG_MAX_KEYS];
} log_entry;

typedef struct {
	log_entry *v;
	size_t n, cap;
} log_history;

static void log_put(log_entry *e, const char *key, double v, int is_int)
{
	if (e->n == LOG_MAX_KEYS)
		return;
	snprintf(e->key[e->n], sizeof e->key[0], "%s", key);
	e->val[e->n] = v;
	e->is_int[e->n++] = is_int;
}

static void log_write_json(FILE *f, const log_entry *e)
{
	char buf[PYFLOAT_BUFSZ];
	fputc('{', f);
	for (int i = 0; i < e->n; i++) {
		if (e->is_int[i])
			snprintf(buf, sizeof buf, "%lld", (long long)e->val[i]);
		else
			pyfloat_repr(e->val[i], PYFLOAT_JSON, buf);
		fprintf(f, "%s\"%s\": %s", i ? ", " : "", e->key[i], buf);
	}
	fputc('}', f);
}

/* ---- the training state ---- */

typedef struct {
	const train_opts *o;
	bert_config cfg;
	bert_model *model;
	adamw_state opt;
	batch_set train, eval;
	int64_t steps_per_epoch, total_steps, warmup;
	int64_t step;              /* optimizer steps done */
	log_history hist;
	double run_loss;           /* loss summed since the last log */
	int64_t run_steps;
	double total_loss;         /* over the whole run, for train_loss */
	int progress_shown;
	double t_start;
	grad_scaler scaler;        /* fp16's loss scaling; scale 1 otherwise */
} trainer;

/* The batch order of epoch e: a Fisher-Yates permutation driven by
 * splitmix64(seed, e), or the input order without shuffling. */
static void epoch_order(const trainer *t, int64_t epoch, size_t *order)
{
	size_t n = t->train.n;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (!t->o->shuffle)
		return;
	uint64_t s = pt_mix64(t->o->seed ^ pt_mix64((uint64_t)epoch + 0x5151));
	for (size_t i = n; i > 1; i--) {
		s = pt_mix64(s);
		size_t j = (size_t)(s % i);
		size_t tmp = order[i - 1];
		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

static double epoch_float(const trainer *t, int64_t step)
{
	return (double)step / (double)t->steps_per_epoch;
}

static void progress_clear(trainer *t)
{
	if (t->progress_shown) {
		fputs("\r\033[K", stderr);
		t->progress_shown = 0;
	}
}

static void progress_show(trainer *t)
{
	if (!t->o->progress)
		return;
	double el = pt_now() - t->t_start;
	double rate = el > 0 ? (double)t->step / el : 0;
	double eta = rate > 0 ? (double)(t->total_steps - t->step) / rate : 0;
	int width = 30, fill = (int)(width * t->step / (t->total_steps ? t->total_steps : 1));
	fprintf(stderr, "\r\033[K%3d%% [%.*s%*s] %lld/%lld  %.2f it/s  eta %dm%02ds",
		(int)(100 * t->step / (t->total_steps ? t->total_steps : 1)), fill,
		"##############################", width - fill, "", (long long)t->step,
		(long long)t->total_steps, rate, (int)eta / 60, (int)eta % 60);
	t->progress_shown = 1;
}

static void emit(trainer *t, log_entry *e)
{
	progress_clear(t);
	log_write_json(stderr, e);
	fputc('\n', stderr);
	if (t->hist.n == t->hist.cap) {
		t->hist.cap = t->hist.cap ? 2 * t->hist.cap : 64;
		t->hist.v = pt_realloc(t->hist.v, t->hist.cap * sizeof *t->hist.v);
	}
	t->hist.v[t->hist.n++] = *e;
}

/* A memory stream for a small file that write_atomic() then puts in place. */
static FILE *mem_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		pt_die("out of memory");
	return f;
}

static void write_atomic(FILE *f, char **buf, size_t *len, const char *path)
{
	fclose(f);   /* sets *buf and *len */
	if (pt_write_file_atomic(path, *buf, *len) != 0)
		pt_die("%s: cannot write: %s", path, strerror(errno));
	free(*buf);
}

/* trainer_state.json as the Trainer writes it (the fields pipetune uses). */
static void write_state(const trainer *t, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);
	char num[PYFLOAT_BUFSZ];
	pyfloat_repr(epoch_float(t, t->step), PYFLOAT_JSON, num);
	fprintf(f, "{\n  \"global_step\": %lld,\n  \"epoch\": %s,\n  \"max_steps\": %lld,\n"
		"  \"num_train_epochs\": %lld,\n  \"logging_steps\": %lld,\n  \"save_steps\": %lld,\n"
		"  \"train_batch_size\": %d,\n  \"seed\": %llu,\n  \"steps_per_epoch\": %lld,\n"
		"  \"optimizer_steps\": %lld,\n  \"loss_scale\": %.9g,\n  \"loss_scale_good_steps\": %lld,\n"
		"  \"log_history\": [",
		(long long)t->step, num, (long long)t->total_steps,
		(long long)((t->total_steps + t->steps_per_epoch - 1) / t->steps_per_epoch),
		(long long)t->o->logging_steps, (long long)t->o->save_steps, t->train.max_rows,
		(unsigned long long)t->o->seed, (long long)t->steps_per_epoch, (long long)t->opt.step,
		(double)t->scaler.scale, (long long)t->scaler.good);
	for (size_t i = 0; i < t->hist.n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		log_write_json(f, &t->hist.v[i]);
	}
	fputs(t->hist.n ? "\n  ]\n}\n" : "]\n}\n", f);
	write_atomic(f, &buf, &len, path);
}

/* log.tsv: "step<TAB>key<TAB>value" per logged number, for gnuplot. */
static void write_log_tsv(const trainer *t, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem_open(&buf, &len);
	char num[PYFLOAT_BUFSZ];
	for (size_t i = 0; i < t->hist.n; i++) {
		const log_entry *e = &t->hist.v[i];
		double step = -1;
		for (int k = 0; k < e->n; k++)
			if (strcmp(e->key[k], "step") == 0)
				step = e->val[k];
		for (int k = 0; k < e->n; k++) {
			if (strcmp(e->key[k], "step") == 0 || strcmp(e->key[k], "epoch") == 0)
				continue;
			pyfloat_repr(e->val[k], PYFLOAT_REPR, num);
			fprintf(f, "%lld\t%s\t%s\n", (long long)step, e->key[k], num);
		}
	}
	write_atomic(f, &buf, &len, path);
}

/* ---- evaluation ---- */

/* Runs the model over the eval batches, writes prediction records to a
 * temporary file, pipes it through the metric command, and logs eval_loss
 * and eval_<metric> for each number the command prints. */
static void evaluate(trainer *t)
{
	const bert_config *c = &t->cfg;
	double loss_sum = 0;
	long nex = 0;
	char tmpl[] = "/tmp/pipetune-eval-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		pt_die("cannot create a temporary file: %s", strerror(errno));
	FILE *pf = fdopen(fd, "w+b");
	pt_writer w;
	wr_init(&w, pf);
	float *logits = pt_malloc((size_t)t->eval.max_rows * (size_t)c->num_labels * sizeof *logits);
	double t0 = pt_now();
	for (size_t i = 0; i < t->eval.n; i++) {
		const batch_buf *b = &t->eval.v[i];
		float loss = bert_forward(t->model, &b->b, 0, 0, logits);
		if (b->has_labels) {
			loss_sum += (double)loss * b->b.B;
			nex += b->b.B;
		}
		predict_write_batch(&w, b, logits, c->num_labels);
	}
	free(logits);
	if (fflush(pf) != 0 || ferror(pf))
		pt_die("%s: write error: %s", tmpl, strerror(errno));
	double runtime = pt_now() - t0;

	log_entry e = {0};
	if (nex)
		log_put(&e, "eval_loss", loss_sum / (double)nex, 0);
	if (t->o->metric_cmd) {
		size_t n = strlen(t->o->metric_cmd) + strlen(tmpl) + 16;
		char *cmd = pt_malloc(n);
		snprintf(cmd, n, "%s < '%s'", t->o->metric_cmd, tmpl);
		FILE *p = popen(cmd, "r");
		if (!p)
			pt_die("--metric: cannot run '%s': %s", t->o->metric_cmd, strerror(errno));
		char out[8192];
		size_t got = fread(out, 1, sizeof out - 1, p);
		out[got] = '\0';
		int st = pclose(p);
		if (st != 0)
			pt_die("--metric: '%s' failed (status %d)", t->o->metric_cmd, st);
		json_error_t jerr;
		json_t *j = json_loads(out, JSON_DECODE_ANY, &jerr);
		if (!j || !json_is_object(j))
			pt_die("--metric: '%s' printed no JSON object: %s", t->o->metric_cmd, jerr.text);
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			if (!json_is_number(v))
				continue;
			char key[48];
			snprintf(key, sizeof key, "eval_%s", k);
			log_put(&e, key, json_number_value(v), 0);
		}
		json_decref(j);
		free(cmd);
	}
	fclose(pf);
	unlink(tmpl);
	log_put(&e, "eval_runtime", runtime, 0);
	log_put(&e, "eval_samples_per_second", runtime > 0 ? t->eval.rows / runtime : 0, 0);
	log_put(&e, "epoch", epoch_float(t, t->step), 0);
	log_put(&e, "step", (double)t->step, 1);
	emit(t, &e);
}

/* ---- checkpoints ---- */

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

/* The newest output_dir/checkpoint-N (largest N); dies when there is none. */
static char *last_checkpoint(const char *output_dir)
{
	DIR *d = opendir(output_dir);
	if (!d)
		pt_die("--resume-from-checkpoint last: %s: cannot open: %s", output_dir, strerror(errno));
	long best = -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		long s;
		if (strncmp(de->d_name, "checkpoint-", 11) == 0 && pt_parse_long(de->d_name + 11, &s) == 0 &&
		    s > best)
			best = s;
	}
	closedir(d);
	if (best < 0)
		pt_die("--resume-from-checkpoint last: %s has no checkpoint-N folder", output_dir);
	char name[64];
	snprintf(name, sizeof name, "checkpoint-%ld", best);
	return pt_path_join(output_dir, name);
}

/* Removes the oldest checkpoint-N folders beyond save_total_limit. */
static void rotate_checkpoints(const trainer *t)
{
	if (t->o->save_total_limit <= 0)
		return;
	DIR *d = opendir(t->o->output_dir);
	if (!d)
		return;
	long steps[4096];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 4096) {
		long s;
		if (strncmp(de->d_name, "checkpoint-", 11) == 0 && pt_parse_long(de->d_name + 11, &s) == 0)
			steps[n++] = s;
	}
	closedir(d);
	while (n > t->o->save_total_limit) {
		int oldest = 0;
		for (int i = 1; i < n; i++)
			if (steps[i] < steps[oldest])
				oldest = i;
		char name[64];
		snprintf(name, sizeof name, "checkpoint-%ld", steps[oldest]);
		char *p = pt_path_join(t->o->output_dir, name);
		if (ckpt_rm_tree(p) != 0)
			pt_warn("%s: could not remove old checkpoint: %s", p, strerror(errno));
		free(p);
		steps[oldest] = steps[--n];
	}
}

/* checkpoint-N/: the model folder plus optimizer moments and trainer state,
 * written into a temporary folder and renamed into place. */
static void save_checkpoint(trainer *t)
{
	char name[64];
	snprintf(name, sizeof name, "checkpoint-%lld", (long long)t->step);
	char *dir = pt_path_join(t->o->output_dir, name);
	char *tmp = ckpt_dir_begin(dir);
	checkpoint_write(t->model, &t->cfg, tmp, t->o->model_dir);
	save_optimizer(t, tmp);
	char *sp = pt_path_join(tmp, "trainer_state.json");
	write_state(t, sp);
	free(sp);
	ckpt_dir_commit(tmp, dir);
	free(tmp);
	free(dir);
	rotate_checkpoints(t);
}

static double json_num(json_t *o, const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		pt_die("%s: field '%s': expected a number", path, key);
	return json_number_value(v);
}

/* Restores weights, optimizer moments, step and log history from a
 * checkpoint-N folder written by save_checkpoint. */
static void resume(trainer *t, const char *dir)
{
	char *sp = pt_path_join(dir, "trainer_state.json");
	json_error_t jerr;
	json_t *st = json_load_file(sp, 0, &jerr);
	if (!st)
		pt_die("%s: cannot read: %s", sp, jerr.text);
	int64_t step = (int64_t)json_num(st, "global_step", sp);
	int64_t spe = (int64_t)json_num(st, "steps_per_epoch", sp);
	if (spe != t->steps_per_epoch)
		pt_die("%s: the checkpoint was made with %lld batches an epoch, this input has %lld",
		       sp, (long long)spe, (long long)t->steps_per_epoch);
	if ((uint64_t)json_num(st, "seed", sp) != t->o->seed)
		pt_warn("%s: resuming with another --seed than the checkpoint's", sp);
	if (step > t->total_steps)
		pt_die("%s: global_step %lld is past this run's %lld steps", sp, (long long)step,
		       (long long)t->total_steps);
	/* optional (older checkpoints): AdamW's own count, which fp16's skipped
	 * steps leave behind the global step, and the loss scaler */
	int64_t opt_steps = json_is_number(json_object_get(st, "optimizer_steps"))
			    ? (int64_t)json_num(st, "optimizer_steps", sp) : step;
	if (json_is_number(json_object_get(st, "loss_scale")) && t->scaler.enabled) {
		t->scaler.scale = (float)json_num(st, "loss_scale", sp);
		t->scaler.good = (int64_t)json_num(st, "loss_scale_good_steps", sp);
	}
	json_t *hist = json_object_get(st, "log_history");
	size_t i;
	json_t *e;
	json_array_foreach(hist, i, e) {
		log_entry le = {0};
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v) {
			if (json_is_number(v))
				log_put(&le, k, json_number_value(v), json_is_integer(v));
		}
		if (t->hist.n == t->hist.cap) {
			t->hist.cap = t->hist.cap ? 2 * t->hist.cap : 64;
			t->hist.v = pt_realloc(t->hist.v, t->hist.cap * sizeof *t->hist.v);
		}
		t->hist.v[t->hist.n++] = le;
	}
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
	if (dist_rank() == 0)
		pt_warn("resuming from %s at step %lld (epoch %.2f)", dir, (long long)step, epoch_float(t, step));
}

/* The final model goes into output_dir itself, beside its checkpoint-N
 * folders: every file is written in a temporary folder, then renamed into
 * place one by one (trainer_state.json last), so each file is whole even
 * if the run is killed while saving. */
static void save_final(trainer *t)
{
	const char *out = t->o->output_dir;
	char *anchor = pt_path_join(out, "final");
	char *tmp = ckpt_dir_begin(anchor);   /* out/.final.tmp.PID, removed if we die */
	checkpoint_write(t->model, &t->cfg, tmp, t->o->model_dir);
	char *p = pt_path_join(tmp, "log.tsv");
	write_log_tsv(t, p);
	free(p);
	p = pt_path_join(tmp, "trainer_state.json");
	write_state(t, p);
	free(p);
	static const char *const order[] = {"model.safetensors", "config.json", "vocab.txt",
		"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "log.tsv",
		"trainer_state.json"};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		char *a = pt_path_join(tmp, order[i]), *b = pt_path_join(out, order[i]);
		if (access(a, F_OK) == 0 && rename(a, b) != 0)
			pt_die("%s: cannot rename into place: %s", b, strerror(errno));
		free(a);
		free(b);
	}
	if (rmdir(tmp) != 0)
		pt_warn("%s: cannot remove: %s", tmp, strerror(errno));
	int fd = open(out, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(tmp);
	free(anchor);
}

/* ---- the loop ---- */

/* Forward and backward of one global batch; returns its mean loss and
 * leaves d(mean loss)/d(params) in the gradient buffer. With several ranks
 * each takes a contiguous slice of the rows (rank r: rows [B*r/N,
 * B*(r+1)/N)), scales its gradient by its share of the rows and the ranks
 * sum them: the same mean-loss gradient one process computes on the whole
 * batch, up to float summation order. */
static float train_step_grads(trainer *t, const bert_batch *gb, uint64_t dseed, float *logits)
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

static void log_train(trainer *t, double grad_norm)
{
	log_entry e = {0};
	log_put(&e, "loss", t->run_loss / (double)t->run_steps, 0);
	log_put(&e, "grad_norm", grad_norm, 0);
	log_put(&e, "learning_rate",
		linear_schedule_lr(t->o->lr, t->opt.step, t->warmup, t->total_steps), 0);
	log_put(&e, "epoch", epoch_float(t, t->step), 0);
	log_put(&e, "step", (double)t->step, 1);
	emit(t, &e);
	t->run_loss = 0;
	t->run_steps = 0;
}

static void train_free(trainer *t, size_t *order, float *logits)
{
	free(order);
	free(logits);
	free(t->hist.v);
	adamw_free(&t->opt);
	batch_set_free(&t->train);
	batch_set_free(&t->eval);
	bert_free(t->model);
	bert_config_free(&t->cfg);
}

/* The output folder this process created, removed at exit if still empty
 * (a run that fails before saving anything leaves no trace; rmdir keeps a
 * folder that holds anything, such as checkpoints to resume from). Runs
 * after ckpt_dir's hook removed unfinished temporary folders: registered
 * before any of them is begun. */
static char *created_dir;

static void remove_created_dir(void)
{
	if (created_dir)
		rmdir(created_dir);
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

void train_run(const train_opts *o)
{
	int lead = dist_rank() == 0;
	trainer t = {0};
	t.o = o;
	const pt_backend *be = pt_device_select(o->device ? o->device : "cpu");
	if (lead && be != &pt_cpu_backend)
		pt_warn("device: %s", pt_device_describe(be));
	grad_sync_init(be, o->allreduce);
	pt_device_set_precision(be, o->precision);
	grad_scaler_init(&t.scaler, o->precision == PT_FP16);
	bert_config_load(o->model_dir, &t.cfg);
	if (o->num_labels)
		bert_config_set_num_labels(&t.cfg, o->num_labels);
	for (int i = 0; i < o->nsets; i++)
		bert_config_set(&t.cfg, o->sets[i]);

	batch_set_load(&t.train, o->train_path, &t.cfg);
	if (t.train.n == 0)
		pt_die("%s: no batches to train on", o->train_path ? o->train_path : "<stdin>");
	if (!t.train.has_labels)
		pt_die("%s: the batches carry no labels (field 'labels')",
		       o->train_path ? o->train_path : "<stdin>");
	if (o->eval_path)
		batch_set_load(&t.eval, o->eval_path, &t.cfg);

	t.steps_per_epoch = (int64_t)t.train.n;
	if (o->max_steps <= 0 && !(o->epochs * (double)t.steps_per_epoch <= (double)TRAIN_MAX_STEPS))
		pt_die("--epochs %g of %lld batches: over 2^53 steps", o->epochs, (long long)t.steps_per_epoch);
	t.total_steps = o->max_steps > 0 ? o->max_steps
					 : (int64_t)ceil(o->epochs * (double)t.steps_per_epoch);
	t.warmup = o->warmup_steps > 0 ? o->warmup_steps
				       : (int64_t)ceil(o->warmup_ratio * (double)t.total_steps);

	if (!o->from_scratch && !o->resume_dir)
		checkpoint_check(&t.cfg, o->model_dir);   /* before the model's memory: a config that does not fit */
	t.model = bert_create_on(&t.cfg, be);
	size_t np;
	bert_params(t.model, &np);
	adamw_init_for(&t.opt, t.model, (float)o->weight_decay);
	if (lead)
		make_output_dir(o->output_dir);
	if (o->resume_dir) {
		char *dir = strcmp(o->resume_dir, "last") == 0 ? last_checkpoint(o->output_dir)
							       : pt_strdup(o->resume_dir);
		resume(&t, dir);
		free(dir);
	} else if (o->from_scratch) {
		/* BertForSequenceClassification(config): HF's _init_weights everywhere */
		for (size_t i = 0; i < bert_param_count(t.model); i++)
			bert_init_param(bert_param_at(t.model, i), &t.cfg, o->seed);
		if (lead)
			pt_warn("every weight newly initialized from %s/config.json (seed %llu)",
				o->model_dir, (unsigned long long)o->seed);
	} else {
		checkpoint_load(t.model, &t.cfg, o->model_dir, o->seed);
	}

	if (lead)
		pt_warn("%zu batches (%ld examples) an epoch, %lld steps, %zu parameters, %d rank%s%s%s",
			t.train.n, t.train.rows, (long long)t.total_steps, np, dist_size(),
			dist_size() == 1 ? "" : "s", grad_sync_active() ? ", gradients summed by " : "",
			grad_sync_active() ? grad_sync_describe() : "");
	size_t *order = pt_malloc(t.train.n * sizeof *order);
	float *logits = pt_malloc((size_t)t.train.max_rows * (size_t)t.cfg.num_labels * sizeof *logits);
	t.t_start = pt_now();
	int64_t start_step = t.step;
	int64_t cur_epoch = -1;
	double grad_norm = 0;
	while (t.step < t.total_steps) {
		int64_t epoch = t.step / t.steps_per_epoch;
		if (epoch != cur_epoch) {
			epoch_order(&t, epoch, order);
			cur_epoch = epoch;
		}
		const batch_buf *b = &t.train.v[order[t.step % t.steps_per_epoch]];
		uint64_t dseed = pt_mix64(o->seed * 0x100000001B3ull + (uint64_t)t.step);
		float scale = t.scaler.scale;
		bert_set_loss_scale(t.model, scale);
		float loss = train_step_grads(&t, &b->b, dseed, logits);
		if (!isfinite(loss))
			pt_die("step %lld: the loss is %f", (long long)t.step, loss);
		/* clip_grad_norm_ then AdamW, the clip factor (and fp16's 1/scale)
		 * applied inside the update; fp16 skips a step that overflowed,
		 * and then the schedule waits too (accelerate's scheduler does not
		 * step after a skipped optimizer step): the lr follows AdamW's count */
		double scaled_norm = grad_global_norm(t.model);
		grad_norm = scaled_norm / scale;
		float coef = o->max_grad_norm > 0 ? clip_factor(grad_norm, o->max_grad_norm) : 1.0f;
		if (grad_scaler_update(&t.scaler, scaled_norm))
			adamw_step_scaled(&t.opt, t.model, (float)linear_schedule_lr(o->lr, t.opt.step, t.warmup, t.total_steps),
					  scale == 1.0f ? coef : coef / scale);
		t.step++;
		t.run_loss += loss;
		t.total_loss += loss;
		t.run_steps++;
		if (!lead)
			continue;   /* other ranks: straight on to the next step's all-reduce */
		if (t.step % o->logging_steps == 0)
			log_train(&t, grad_norm);
		int epoch_end = t.step % t.steps_per_epoch == 0 || t.step == t.total_steps;
		if ((o->eval_strategy == EVAL_EPOCH && epoch_end) ||
		    (o->eval_strategy == EVAL_STEPS && t.step % o->eval_steps == 0))
			evaluate(&t);
		if (o->save_steps > 0 && t.step % o->save_steps == 0)
			save_checkpoint(&t);
		progress_show(&t);
	}
	grad_sync_finalize();
	if (!lead) {
		train_free(&t, order, logits);
		return;
	}
	progress_clear(&t);
	double runtime = pt_now() - t.t_start;
	int64_t done = t.step - start_step;
	log_entry e = {0};
	log_put(&e, "train_runtime", runtime, 0);
	log_put(&e, "train_samples_per_second", runtime > 0 ? (double)done * t.train.rows / t.train.n / runtime : 0, 0);
	log_put(&e, "train_steps_per_second", runtime > 0 ? done / runtime : 0, 0);
	log_put(&e, "train_loss", done ? t.total_loss / (double)done : NAN, 0);
	log_put(&e, "epoch", epoch_float(&t, t.step), 0);
	log_put(&e, "step", (double)t.step, 1);
	emit(&t, &e);

	save_final(&t);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		pt_warn("saved %s; peak memory %ld MB", o->output_dir, ru.ru_maxrss / 1024);
	train_free(&t, order, logits);
}
