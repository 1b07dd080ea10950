/* metrics: the GLUE metrics exactly as evaluate.load("glue", TASK) computes
 * them (evaluate's metrics/glue/glue.py calling scikit-learn and SciPy):
 *   cola                  matthews_correlation  sklearn matthews_corrcoef
 *   stsb                  pearson, spearmanr    scipy pearsonr / spearmanr
 *   mrpc, qqp             accuracy, f1          mean(pred == label), sklearn f1_score
 *   sst2 mnli mnli_matched mnli_mismatched qnli rte wnli hans
 *                         accuracy
 * evaluate casts classification inputs to int64 and STS-B inputs to
 * float32, and SciPy's pearsonr then computes in float32: metric_pearson_f32
 * replays NumPy's float32 arithmetic step by step (pairwise sums, OpenBLAS's
 * x86-64 sdot kernel order) so the printed value is the same float. */
#ifndef PT_METRICS_H
#define PT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum glue_kind { GLUE_MCC, GLUE_CORR, GLUE_ACC_F1, GLUE_ACC };

/* The kind of metric for an evaluate GLUE config name; -1 if unknown. */
int glue_task_kind(const char *task);
/* The number of classes of a task's labels (labels and predictions are in
 * [0, classes)); 0 for a regression (stsb); -1 if unknown. */
int glue_task_classes(const char *task);
/* The config names, space-separated, for messages. */
const char *glue_task_names(void);

/* (preds == labels).mean(): count of equal pairs / n, as a double.
 * The metric_* primitives are exported for tests/unit/test_metrics.c; glue_result_json is their caller. */
double metric_accuracy(const int64_t *pred, const int64_t *label, size_t n);
/* sklearn f1_score(label, pred) (binary, pos_label=1, zero_division=0).
 * Returns 0 and sets *f1, or -1 with *err set to sklearn's complaint when
 * the labels are not binary (more than two classes, or two without 1). */
int metric_f1(const int64_t *pred, const int64_t *label, size_t n, double *f1,
	      const char **err);
/* sklearn matthews_corrcoef(label, pred), any number of classes; 0.0 when
 * undefined. */
double metric_mcc(const int64_t *pred, const int64_t *label, size_t n);
/* float(scipy.stats.pearsonr(x, y)[0]) for float32 arrays (n >= 2): NaN when
 * either input is constant. */
double metric_pearson_f32(const float *x, const float *y, size_t n);
/* float(scipy.stats.spearmanr(x, y)[0]) for float32 arrays (n >= 2):
 * average ranks for ties; NaN when either is constant or holds a NaN. */
double metric_spearman_f32(const float *x, const float *y, size_t n);

/* Predictions and labels gathered from a stream. */
typedef struct {
	size_t n, cap;
	int64_t *pred, *label;  /* [n], classification */
	float *fpred, *flabel;  /* [n], regression (stsb) */
	int classes;            /* set by the caller: > 0 checks labels and predictions are
	                           in [0, classes) (glue_task_classes); 0: no check */
} glue_inputs;

/* Reads prediction records: `label` (required), and `prediction` if
 * present, else the argmax of `logits` (first maximum; logits[0] for a
 * regression kind). Dies naming the record and field on anything else,
 * and on a label or prediction outside [0, in->classes) when that is set
 * (mrpc's prediction 7 is a model for another task, not a wrong answer). */
void glue_read(pt_reader *r, enum glue_kind kind, glue_inputs *in);
/* Frees the arrays; keeps in->classes. */
void glue_inputs_free(glue_inputs *in);

/* The JSON text Python's json.dumps prints for evaluate's result dict,
 * without a newline, into buf (at least 128 bytes). Dies (naming src) when
 * the metric is undefined for the input in a way evaluate raises for. */
void glue_result_json(enum glue_kind kind, const glue_inputs *in, const char *src, char *buf);

#endif
