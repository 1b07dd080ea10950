/* train_eval: evaluation during training (contract in train_eval.h). */
#include "train_eval.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "predict.h"
#include "record.h"
#include "util.h"

/* Feeds the prediction records in the file at path to metric_cmd and adds
 * eval_KEY to e for each number of the JSON object it prints; 0 when it
 * failed after a signal (abandoned), else 1. */
static int run_metric(const char *metric_cmd, const char *path, log_entry *e)
{
	size_t n = strlen(metric_cmd) + strlen(path) + 16;
	char *cmd = pt_malloc(n);
	snprintf(cmd, n, "%s < '%s'", metric_cmd, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		pt_die("--metric: cannot run '%s': %s", metric_cmd, strerror(errno));
	char out[8192];
	size_t got = fread(out, 1, sizeof out - 1, p);
	out[got] = '\0';
	int st = pclose(p);
	if (st != 0 && pt_interrupt_pending()) {
		free(cmd);
		return 0;
	}
	if (st != 0)
		pt_die("--metric: '%s' failed (status %d)", metric_cmd, st);
	json_error_t jerr;
	json_t *j = json_loads(out, JSON_DECODE_ANY, &jerr);
	if (!j || !json_is_object(j))
		pt_die("--metric: '%s' printed no JSON object: %s", metric_cmd, jerr.text);
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		if (!json_is_number(v))
			continue;
		char key[48];
		snprintf(key, sizeof key, "eval_%s", k);
		log_put(e, key, json_number_value(v), 0);
	}
	json_decref(j);
	free(cmd);
	return 1;
}

int train_evaluate(bert_model *m, const bert_config *c, const batch_set *eval,
		   const char *metric_cmd, log_entry *e)
{
	double loss_sum = 0;
	long nex = 0;
	char tmpl[] = "/tmp/pipetune-eval-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		pt_die("cannot create a temporary file: %s", strerror(errno));
	FILE *pf = fdopen(fd, "w+b");
	pt_writer w;
	wr_init(&w, pf);
	float *logits = pt_malloc((size_t)eval->max_rows * (size_t)c->num_labels * sizeof *logits);
	double t0 = pt_now();
	for (size_t i = 0; i < eval->n && !pt_interrupt_pending(); i++) {
		const batch_buf *b = &eval->v[i];
		float loss = bert_forward(m, &b->b, 0, 0, logits);
		if (b->has_labels) {
			loss_sum += (double)loss * b->b.B;
			nex += b->b.B;
		}
		predict_write_batch(&w, b, logits, c->num_labels);
	}
	free(logits);
	int done = !pt_interrupt_pending();
	if (done && (fflush(pf) != 0 || ferror(pf)))
		pt_die("%s: write error: %s", tmpl, strerror(errno));
	double runtime = pt_now() - t0;

	if (done && nex)
		log_put(e, "eval_loss", loss_sum / (double)nex, 0);
	if (done && metric_cmd)
		done = run_metric(metric_cmd, tmpl, e);
	fclose(pf);
	unlink(tmpl);
	if (!done)
		return 0;
	log_put(e, "eval_runtime", runtime, 0);
	log_put(e, "eval_samples_per_second", runtime > 0 ? eval->rows / runtime : 0, 0);
	return 1;
}
