/* Helpers shared by the BERT/optimizer unit tests: fixture paths, loading
 * a model folder's weights, reading fixture tensors and batches, and tolerant
 * comparisons (max |a - ref| relative to max |ref|). */
#ifndef TEST_BERT_COMMON_H
#define TEST_BERT_COMMON_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bert.h"
#include "config.h"
#include "safetensors.h"
#include "util.h"

static __attribute__((unused)) const char *fixture(const char *rel)
{
	static char buf[8][4096];
	static int next;
	const char *root = getenv("PT_ROOT");
	char *b = buf[next++ % 8];
	snprintf(b, sizeof buf[0], "%s/tests/golden/fixtures/bert/%s", root ? root : ".", rel);
	return b;
}

static __attribute__((unused)) const st_tensor *need(const st_file *f, const char *name)
{
	const st_tensor *t = st_find(f, name);
	if (!t)
		fail_msg("fixture lacks tensor %s", name);
	return t;
}

/* a fixture tensor as freshly allocated floats (F32/F64 converted) */
static __attribute__((unused)) float *read_f32(const st_file *f, const char *name, size_t *n)
{
	const st_tensor *t = need(f, name);
	float *x = pt_malloc(sizeof(float) * (st_numel(t) + 1));
	st_to_f32(t, x);
	if (n)
		*n = st_numel(t);
	return x;
}

static __attribute__((unused)) int32_t *read_i32(const st_file *f, const char *name, size_t *n)
{
	const st_tensor *t = need(f, name);
	if (t->dtype != ST_I32)
		fail_msg("fixture tensor %s is not int32", name);
	int32_t *x = pt_malloc(sizeof(int32_t) * (st_numel(t) + 1));
	memcpy(x, t->data, t->nbytes);   /* the mmap may be unaligned */
	if (n)
		*n = st_numel(t);
	return x;
}

/* Copies every parameter of m from the folder's model.safetensors; the
 * shapes must match. */
static __attribute__((unused)) void load_weights(bert_model *m, const char *dir)
{
	st_file *f = st_open(dir);
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		const st_tensor *t = need(f, p->name);
		assert_int_equal(t->ndim, p->ndim);
		for (int d = 0; d < p->ndim; d++)
			assert_int_equal(t->shape[d], p->shape[d]);
		st_to_f32(t, p->data);
	}
	st_close(f);
}

static __attribute__((unused)) bert_model *load_model(const char *dir, bert_config *cfg)
{
	bert_config_load(dir, cfg);
	bert_model *m = bert_create(cfg);
	load_weights(m, dir);
	return m;
}

/* max |a - ref| / max(max |ref|, floor): floor keeps tensors whose true
 * value is 0 (e.g. the key biases' gradients) from comparing noise to noise */
static __attribute__((unused)) double rel_err_floor(const float *a, const float *ref, size_t n, double floor)
{
	double dmax = 0, rmax = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - ref[i]);
		if (!(d <= dmax))   /* NaN-propagating */
			dmax = d;
		if (fabs(ref[i]) > rmax)
			rmax = fabs(ref[i]);
	}
	if (rmax < floor)
		rmax = floor;
	return rmax > 0 ? dmax / rmax : dmax;
}

/* max |a - ref| / max |ref| (absolute when ref is all zero) */
static __attribute__((unused)) double rel_err(const float *a, const float *ref, size_t n)
{
	return rel_err_floor(a, ref, n, 0);
}

static __attribute__((unused)) void check_close(const char *what, const float *a, const float *ref, size_t n, double tol)
{
	double e = rel_err(a, ref, n);
	if (!(e <= tol))
		fail_msg("%s: relative error %.3g > %.3g", what, e, tol);
}

/* A batch from a fixture file (input_ids, token_type_ids, attention_mask,
 * and labels or float_labels when present), owning its arrays. */
typedef struct {
	st_file *f;
	bert_batch b;
	int32_t *ids, *tt, *mask, *labels;
	float *flabels;
} fixture_batch;

static __attribute__((unused)) void fixture_batch_load(fixture_batch *fb, const char *file)
{
	size_t n;
	memset(fb, 0, sizeof *fb);
	fb->f = st_open(fixture(file));
	const st_tensor *t = need(fb->f, "input_ids");
	fb->b.B = (int)t->shape[0];
	fb->b.T = (int)t->shape[1];
	fb->b.input_ids = fb->ids = read_i32(fb->f, "input_ids", &n);
	fb->b.token_type_ids = fb->tt = read_i32(fb->f, "token_type_ids", &n);
	fb->b.attention_mask = fb->mask = read_i32(fb->f, "attention_mask", &n);
	if (st_find(fb->f, "labels"))
		fb->b.labels = fb->labels = read_i32(fb->f, "labels", &n);
	if (st_find(fb->f, "float_labels"))
		fb->b.float_labels = fb->flabels = read_f32(fb->f, "float_labels", &n);
}

static __attribute__((unused)) void fixture_batch_free(fixture_batch *fb)
{
	free(fb->ids);
	free(fb->tt);
	free(fb->mask);
	free(fb->labels);
	free(fb->flabels);
	st_close(fb->f);
}

#endif
