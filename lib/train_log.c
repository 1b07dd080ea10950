/* train_log: log entries, history, log.tsv and the progress bar (contracts
 * in train_log.h). */
#include "train_log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"
#include "util.h"

void log_put(log_entry *e, const char *key, double v, int is_int)
{
	if (e->n == LOG_MAX_KEYS)
		return;
	snprintf(e->key[e->n], sizeof e->key[0], "%s", key);
	e->val[e->n] = v;
	e->is_int[e->n++] = is_int;
}

void log_write_json(FILE *f, const log_entry *e)
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

/* Appends a copy of e to the history: the one append (emit and load). */
static void train_log_append(train_log *l, const log_entry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = pt_realloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *e;
}

void train_log_emit(train_log *l, const log_entry *e)
{
	train_progress_clear(l);
	log_write_json(stderr, e);
	fputc('\n', stderr);
	train_log_append(l, e);
}

void train_log_load(train_log *l, const struct json_t *history)
{
	size_t i;
	json_t *e;
	json_array_foreach(history, i, e) {
		log_entry le = {0};
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v) {
			if (json_is_number(v))
				log_put(&le, k, json_number_value(v), json_is_integer(v));
		}
		train_log_append(l, &le);
	}
}

void train_log_write_tsv(const train_log *l, const char *precision, const char *path)
{
	pt_memfile mf;
	FILE *f = pt_memfile_open(&mf);
	char num[PYFLOAT_BUFSZ];
	fprintf(f, "# precision %s\n", precision);
	for (size_t i = 0; i < l->n; i++) {
		const log_entry *e = &l->v[i];
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
	pt_memfile_commit(&mf, path);
}

void train_log_free(train_log *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

void train_progress_clear(train_log *l)
{
	if (l->progress_shown) {
		fputs("\r\033[K", stderr);
		l->progress_shown = 0;
	}
}

static const char bar_fill[] = "##############################";

void train_progress_show(train_log *l, int64_t step, int64_t total, int64_t start_step, double train_seconds)
{
	double rate = train_seconds > 0 ? (double)(step - start_step) / train_seconds : 0;
	double eta = rate > 0 ? (double)(total - step) / rate : 0;
	int width = 30, fill = (int)(width * step / (total ? total : 1));
	fprintf(stderr, "\r\033[K%3d%% [%.*s%*s] %lld/%lld  %.2f steps/s  eta %dm%02ds",
		(int)(100 * step / (total ? total : 1)), fill, bar_fill, width - fill, "", (long long)step,
		(long long)total, rate, (int)eta / 60, (int)eta % 60);
	l->progress_shown = 1;
}

void train_progress_eval(train_log *l, int64_t i, int64_t n)
{
	int width = 30, fill = (int)(width * i / (n ? n : 1));
	fprintf(stderr, "\r\033[Keval [%.*s%*s] %lld/%lld batches", fill, bar_fill, width - fill, "", (long long)i,
		(long long)n);
	l->progress_shown = 1;
}
