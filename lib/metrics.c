#include "metrics.h"
#include "stream.h"
#include "pyfloat.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum glue_kind kind;
	int classes;   /* the task's label set is [0, classes); 0: regression */
} tasks[] = {
	{"cola", GLUE_MCC, 2},  {"stsb", GLUE_CORR, 0}, {"mrpc", GLUE_ACC_F1, 2},
	{"qqp", GLUE_ACC_F1, 2}, {"sst2", GLUE_ACC, 2}, {"mnli", GLUE_ACC, 3},
	{"mnli_matched", GLUE_ACC, 3}, {"mnli_mismatched", GLUE_ACC, 3}, {"qnli", GLUE_ACC, 2},
	{"rte", GLUE_ACC, 2},   {"wnli", GLUE_ACC, 2},  {"hans", GLUE_ACC, 2},
};

int glue_task_classes(const char *task)
{
	for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++)
		if (strcmp(task, tasks[i].name) == 0)
			return tasks[i].classes;
	return -1;
}

int glue_task_kind(const char *task)
{
	for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++)
		if (strcmp(task, tasks[i].name) == 0)
			return (int)tasks[i].kind;
	return -1;
}

const char *glue_task_names(void)
{
	return "cola stsb mrpc qqp sst2 mnli mnli_matched mnli_mismatched qnli rte wnli hans";
}

double metric_accuracy(const int64_t *pred, const int64_t *label, size_t n)
{
	size_t eq = 0;
	for (size_t i = 0; i < n; i++)
		eq += pred[i] == label[i];
	return (double)eq / (double)n;
}

/* Sorted distinct values of a and b together; returns the count. */
static size_t classes(const int64_t *a, const int64_t *b, size_t n, int64_t **out)
{
	int64_t *v = pt_malloc(2 * n * sizeof *v);
	memcpy(v, a, n * sizeof *v);
	memcpy(v + n, b, n * sizeof *v);
	size_t m = 2 * n;
	/* insertion into a small sorted set: GLUE has at most a few classes */
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		int64_t x = v[i];
		size_t lo = 0, hi = k;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (v[mid] < x)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < k && v[lo] == x)
			continue;
		memmove(v + lo + 1, v + lo, (k - lo) * sizeof *v);
		v[lo] = x;
		k++;
	}
	*out = v;
	return k;
}

int metric_f1(const int64_t *pred, const int64_t *label, size_t n, double *f1, const char **err)
{
	int64_t *cls;
	size_t k = classes(pred, label, n, &cls);
	int has1 = 0;
	for (size_t i = 0; i < k; i++)
		has1 |= cls[i] == 1;
	free(cls);
	if (k > 2) {
		*err = "Target is multiclass but average='binary'";
		return -1;
	}
	if (k == 2 && !has1) {
		*err = "pos_label=1 is not a valid label";
		return -1;
	}
	size_t tp = 0, true_sum = 0, pred_sum = 0;
	for (size_t i = 0; i < n; i++) {
		tp += pred[i] == 1 && label[i] == 1;
		true_sum += label[i] == 1;
		pred_sum += pred[i] == 1;
	}
	/* sklearn: (1 + beta^2) tp / (beta^2 true_sum + pred_sum), 0 if 0/0 */
	double denom = 1.0 * (double)true_sum + (double)pred_sum;
	*f1 = denom == 0 ? 0.0 : (2.0 * (double)tp) / denom;
	return 0;
}

double metric_mcc(const int64_t *pred, const int64_t *label, size_t n)
{
	int64_t *cls;
	size_t k = classes(pred, label, n, &cls);
	double *t_sum = pt_calloc(k, sizeof *t_sum), *p_sum = pt_calloc(k, sizeof *p_sum);
	double n_correct = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a = 0, b = 0;
		while (cls[a] != label[i])
			a++;
		while (cls[b] != pred[i])
			b++;
		t_sum[a] += 1;
		p_sum[b] += 1;
		n_correct += a == b;
	}
	/* the same operations, in the same order, as sklearn (all integers
	 * below 2^53 until the last products) */
	double n_samples = 0, tp = 0, pp = 0, tt = 0;
	for (size_t j = 0; j < k; j++) {
		n_samples += p_sum[j];
		tp += t_sum[j] * p_sum[j];
		pp += p_sum[j] * p_sum[j];
		tt += t_sum[j] * t_sum[j];
	}
	double cov_ytyp = n_correct * n_samples - tp;
	double cov_ypyp = n_samples * n_samples - pp;
	double cov_ytyt = n_samples * n_samples - tt;
	double prod = cov_ypyp * cov_ytyt;
	free(cls);
	free(t_sum);
	free(p_sum);
	return prod == 0 ? 0.0 : cov_ytyp / sqrt(prod);
}

/* NumPy's pairwise summation of float32 (numpy/_core/src/umath/loops_utils.h). */
static float pairwise_sum(const float *a, size_t n)
{
	if (n < 8) {
		float res = 0.f;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= 128) {
		float r[8];
		size_t i;
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* OpenBLAS sdot on x86-64 (Haswell/Zen kernel): 32 lanes of fused
 * multiply-adds over the multiple-of-32 head, reduced in the kernel's
 * order, the tail accumulated in double; NumPy adds the float result to a
 * double and rounds to float. */
static float sdot(const float *x, const float *y, size_t n)
{
	double dot = 0;
	float mydot = 0;
	size_t n1 = n & ~(size_t)31;
	if (n1) {
		float acc[32] = {0};
		for (size_t i = 0; i < n1; i += 32)
			for (int l = 0; l < 32; l++)
				acc[l] = fmaf(x[i + l], y[i + l], acc[l]);
		float h[4][4], s[4];
		for (int k = 0; k < 4; k++)
			for (int j = 0; j < 4; j++)
				h[k][j] = acc[8 * k + j] + acc[8 * k + j + 4];
		for (int j = 0; j < 4; j++)
			s[j] = (h[0][j] + h[1][j]) + (h[2][j] + h[3][j]);
		mydot = (s[0] + s[1]) + (s[2] + s[3]);
	}
	for (size_t i = n1; i < n; i++) {
		float p = x[i] * y[i];
		dot += p;
	}
	dot += mydot;
	double sum = 0;
	sum += (float)dot;
	return (float)sum;
}

/* Centred and scaled copy of x, as scipy's pearsonr builds it: (x - mean)
 * / (max|x - mean| * ||(x - mean) / max||). */
static void pearson_scale(const float *x, size_t n, float *out)
{
	float mean = (float)((double)pairwise_sum(x, n) / (double)n);
	float xmax = 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = x[i] - mean;
		float a = fabsf(out[i]);
		if (a > xmax || isnan(a))
			xmax = a;
	}
	float *sq = pt_malloc(n * sizeof *sq);
	for (size_t i = 0; i < n; i++) {
		float u = out[i] / xmax;
		sq[i] = u * u;
	}
	float norm = xmax * sqrtf(pairwise_sum(sq, n));
	free(sq);
	for (size_t i = 0; i < n; i++)
		out[i] = out[i] / norm;
}

static int constant(const float *x, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!(x[i] == x[0]))
			return 0;
	return 1;
}

double metric_pearson_f32(const float *x, const float *y, size_t n)
{
	if (constant(x, n) || constant(y, n))
		return NAN;
	float *a = pt_malloc(n * sizeof *a), *b = pt_malloc(n * sizeof *b);
	pearson_scale(x, n, a);
	pearson_scale(y, n, b);
	float r = sdot(a, b, n);
	free(a);
	free(b);
	if (r > 1)
		r = 1;
	if (r < -1)
		r = -1;
	if (n == 2)
		r = rintf(r);
	return r;
}

static const float *sort_base;
static int by_value(const void *pa, const void *pb)
{
	float a = sort_base[*(const size_t *)pa], b = sort_base[*(const size_t *)pb];
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* scipy.stats.rankdata(method='average'), doubled so ranks are integers:
 * out[i] = 2 * rank(x[i]) (1-based ranks, ties share their mean). */
static void ranks2(const float *x, size_t n, int64_t *out)
{
	size_t *idx = pt_malloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_base = x;
	qsort(idx, n, sizeof *idx, by_value);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && x[idx[j]] == x[idx[i]])
			j++;
		/* positions i+1 .. j share rank (i+1+j)/2 */
		for (size_t k = i; k < j; k++)
			out[idx[k]] = (int64_t)(i + 1 + j);
		i = j;
	}
	free(idx);
}

double metric_spearman_f32(const float *x, const float *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]) || isnan(y[i]))
			return NAN;
	if (constant(x, n) || constant(y, n))
		return NAN;
	int64_t *rx = pt_malloc(n * sizeof *rx), *ry = pt_malloc(n * sizeof *ry);
	ranks2(x, n, rx);
	ranks2(y, n, ry);
	/* np.corrcoef of the ranks: centred ranks are multiples of 1/2, so
	 * every sum NumPy forms is exact; accumulate them as integers (x4). */
	int64_t m = (int64_t)n + 1; /* 2 * mean rank */
	int64_t sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = rx[i] - m, b = ry[i] - m;
		sxy += a * b;
		sxx += a * a;
		syy += b * b;
	}
	free(rx);
	free(ry);
	double inv = 1.0 / (double)(n - 1);
	double cxy = ((double)sxy / 4) * inv, cxx = ((double)sxx / 4) * inv,
	       cyy = ((double)syy / 4) * inv;
	double r = cxy / sqrt(cyy) / sqrt(cxx);
	if (r > 1)
		r = 1;
	if (r < -1)
		r = -1;
	return r;
}

static void push(glue_inputs *in)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 1024;
		in->pred = pt_realloc(in->pred, in->cap * sizeof *in->pred);
		in->label = pt_realloc(in->label, in->cap * sizeof *in->label);
		in->fpred = pt_realloc(in->fpred, in->cap * sizeof *in->fpred);
		in->flabel = pt_realloc(in->flabel, in->cap * sizeof *in->flabel);
	}
}

void glue_read(pt_reader *r, enum glue_kind kind, glue_inputs *in)
{
	pt_record rec;
	float *logits = NULL;
	size_t cap = 0;
	while (rec_next(r, &rec)) {
		stream_expect(&rec, STAGE_PREDICT);
		push(in);
		size_t i = in->n++;
		if (!rec_field(&rec, "label"))
			rec_die(&rec, "label", "missing (glue-metric needs labelled predictions)");
		if (kind == GLUE_CORR) {
			in->flabel[i] = (float)rec_num(&rec, "label");
			double p;
			if (!rec_num_opt(&rec, "prediction", &p)) {
				if (rec_float_array(&rec, "logits", &logits, &cap) < 1)
					rec_die(&rec, "logits", "expected at least one value, got an empty array");
				p = logits[0];
			}
			in->fpred[i] = (float)p;
			continue;
		}
		in->label[i] = rec_int(&rec, "label");
		if (!rec_int_opt(&rec, "prediction", &in->pred[i])) {
			size_t k = rec_float_array(&rec, "logits", &logits, &cap);
			if (k < 1)
				rec_die(&rec, "logits", "expected at least one value, got an empty array");
			size_t best = 0; /* np.argmax: first maximum, NaN wins */
			for (size_t j = 1; j < k && !isnan(logits[best]); j++)
				if (logits[j] > logits[best] || isnan(logits[j]))
					best = j;
			in->pred[i] = (int64_t)best;
		}
		if (in->classes > 0 && (in->label[i] < 0 || in->label[i] >= in->classes))
			rec_die(&rec, "label", "%lld is not a class of the task (0 to %d)", (long long)in->label[i],
				in->classes - 1);
		if (in->classes > 0 && (in->pred[i] < 0 || in->pred[i] >= in->classes))
			rec_die(&rec, rec_field(&rec, "prediction") ? "prediction" : "logits",
				"%s %lld is not a class of the task (0 to %d)",
				rec_field(&rec, "prediction") ? "prediction" : "argmax", (long long)in->pred[i],
				in->classes - 1);
	}
	free(logits);
}

void glue_inputs_free(glue_inputs *in)
{
	free(in->pred);
	free(in->label);
	free(in->fpred);
	free(in->flabel);
	int classes = in->classes;
	memset(in, 0, sizeof *in);
	in->classes = classes;
}

static char *put_kv(char *p, const char *key, double v)
{
	p += sprintf(p, "\"%s\": ", key);
	return p + pyfloat_repr(v, PYFLOAT_JSON, p);
}

void glue_result_json(enum glue_kind kind, const glue_inputs *in, const char *src, char *buf)
{
	if (in->n == 0)
		pt_die("%s: no records: nothing to score", src);
	char *p = buf;
	*p++ = '{';
	switch (kind) {
	case GLUE_MCC:
		p = put_kv(p, "matthews_correlation", metric_mcc(in->pred, in->label, in->n));
		break;
	case GLUE_CORR:
		if (in->n < 2)
			pt_die("%s: pearson needs at least 2 records, got 1", src);
		p = put_kv(p, "pearson", metric_pearson_f32(in->fpred, in->flabel, in->n));
		p += sprintf(p, ", ");
		p = put_kv(p, "spearmanr", metric_spearman_f32(in->fpred, in->flabel, in->n));
		break;
	case GLUE_ACC_F1: {
		double f1;
		const char *err;
		if (metric_f1(in->pred, in->label, in->n, &f1, &err) != 0)
			pt_die("%s: f1 needs binary labels 0/1: %s", src, err);
		p = put_kv(p, "accuracy", metric_accuracy(in->pred, in->label, in->n));
		p += sprintf(p, ", ");
		p = put_kv(p, "f1", f1);
		break;
	}
	case GLUE_ACC:
		p = put_kv(p, "accuracy", metric_accuracy(in->pred, in->label, in->n));
		break;
	}
	*p++ = '}';
	*p = '\0';
}
