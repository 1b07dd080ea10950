/* GLUE metrics against evaluate (fixtures from
 * tests/golden/make_metric_fixtures.py): every number within 1e-12
 * relative, and the printed JSON identical to Python's where the numbers
 * are equal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonconv.h"
#include "metrics.h"
#include "record.h"

static char root[2048];

/* The numbers of a flat JSON object, in order; returns the count. */
static int numbers(const char *s, double *v, int max)
{
	int n = 0;
	while ((s = strstr(s, ": ")) && n < max) {
		s += 2;
		if (strncmp(s, "NaN", 3) == 0)
			v[n++] = NAN;
		else
			v[n++] = strtod(s, NULL);
	}
	return n;
}

static void run_case(const char *name, const char *task, const char *want, int *bad)
{
	char in[4096], mpk[] = "/tmp/test_metrics.XXXXXX";
	snprintf(in, sizeof in, "%s/tests/golden/fixtures/metrics/%s.jsonl", root, name);
	int fd = mkstemp(mpk);
	assert_true(fd >= 0);
	FILE *fp = fdopen(fd, "wb");
	pt_jreader *jr = jr_open(in);
	pt_writer w;
	wr_init(&w, fp);
	while (jr_next(jr, &w))
		;
	jr_close(jr);
	fclose(fp);

	int kind = glue_task_kind(task);
	assert_true(kind >= 0);
	pt_reader *r = rec_open(mpk);
	glue_inputs gi = {0};
	glue_read(r, (enum glue_kind)kind, &gi);
	char got[256];
	glue_result_json((enum glue_kind)kind, &gi, name, got);
	rec_close(r);
	glue_inputs_free(&gi);
	unlink(mpk);

	double a[4], b[4];
	int na = numbers(want, a, 4), nb = numbers(got, b, 4);
	int ok = na == nb && na > 0;
	int same = ok;
	for (int i = 0; ok && i < na; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			ok = isnan(a[i]) && isnan(b[i]);
			continue;
		}
		double tol = 1e-12 * fmax(fabs(a[i]), 1e-300);
		ok = fabs(a[i] - b[i]) <= tol;
		same &= a[i] == b[i];
	}
	if (ok && same)
		ok = strcmp(want, got) == 0;
	if (!ok) {
		fprintf(stderr, "%s (%s): want %s\n%*s got  %s\n", name, task, want,
			(int)(strlen(name) + strlen(task) + 3), "", got);
		(*bad)++;
	}
}

static void test_golden(void **st)
{
	(void)st;
	char path[4096], line[4096];
	snprintf(path, sizeof path, "%s/tests/golden/fixtures/metrics/cases.txt", root);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0, bad = 0, kinds[4] = {0};
	while (fgets(line, sizeof line, f)) {
		char name[256], task[64];
		int off;
		if (line[0] == '#' || sscanf(line, "%255s %63s %n", name, task, &off) != 2)
			continue;
		line[strcspn(line, "\n")] = '\0';
		run_case(name, task, line + off, &bad);
		kinds[glue_task_kind(task)]++;
		n++;
	}
	fclose(f);
	assert_true(n >= 60);
	for (int k = 0; k < 4; k++)
		assert_true(kinds[k] > 0);
	assert_int_equal(bad, 0);
}

static void test_tasks(void **st)
{
	(void)st;
	const char *names[] = {"cola", "stsb", "mrpc", "qqp", "sst2", "mnli", "mnli_matched",
			       "mnli_mismatched", "qnli", "rte", "wnli", "hans"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		assert_true(glue_task_kind(names[i]) >= 0);
	assert_int_equal(glue_task_kind("sst-2"), -1);
	assert_int_equal(glue_task_kind("MRPC"), -1);
}

static void test_edges(void **st)
{
	(void)st;
	int64_t l3[] = {0, 1, 2}, p3[] = {0, 1, 1};
	double f1;
	const char *err = NULL;
	assert_int_equal(metric_f1(p3, l3, 3, &f1, &err), -1); /* multiclass */
	assert_non_null(err);
	int64_t l02[] = {0, 2}, p02[] = {2, 0};
	assert_int_equal(metric_f1(p02, l02, 2, &f1, &err), -1); /* no class 1 */
	int64_t z[] = {0, 0, 0};
	assert_int_equal(metric_f1(z, z, 3, &f1, &err), 0);
	assert_true(f1 == 0.0);
	assert_true(metric_mcc(z, z, 3) == 0.0);
	assert_true(metric_accuracy(p3, l3, 3) == 2.0 / 3.0);
	/* three-class MCC, checked against sklearn by hand:
	 * matthews_corrcoef([0,1,2,2,1,0], [0,2,2,1,1,0]) = 0.5 */
	int64_t lm[] = {0, 1, 2, 2, 1, 0}, pm[] = {0, 2, 2, 1, 1, 0};
	assert_true(fabs(metric_mcc(pm, lm, 6) - 0.5) < 1e-15);
	float c[] = {1, 1, 1}, x[] = {1, 2, 3};
	assert_true(isnan(metric_pearson_f32(c, x, 3)));
	assert_true(isnan(metric_spearman_f32(x, c, 3)));
	assert_true(metric_spearman_f32(x, x, 3) == 1.0);
}

int main(void)
{
	const char *r = getenv("PT_ROOT");
	snprintf(root, sizeof root, "%s", r ? r : ".");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
