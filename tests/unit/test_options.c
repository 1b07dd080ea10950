/* options and checked sizes: the strict numeric option parsers refuse
 * everything outside their range (NaN, infinities, junk, int64 overflow)
 * with one message format, pt_mul_size/pt_add_size refuse a size that
 * wraps, and the lr schedule takes any int64 without overflow (issue 13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "optim.h"
#include "options.h"
#include "util.h"

#include "test_catch.h"

/* Whether pt_opt_num(opt, s, lo, lo_open, hi) refuses s; *v its value otherwise. */
static int num_refused(const char *s, double lo, int lo_open, double hi, double *v)
{
	got_status = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		*v = pt_opt_num("--x", s, lo, lo_open, hi);
	pt_set_error_handler(NULL);
	return got_status;
}

static int int_refused(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	got_status = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		*v = pt_opt_int("--n", s, lo, hi);
	pt_set_error_handler(NULL);
	return got_status;
}

static void test_numbers(void **st)
{
	(void)st;
	double v;
	static const char *const bad[] = {"inf", "-inf", "nan", "INF", "1e300", "0", "-1", "2", "", "1x", " ", "0x", "1e"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (num_refused(bad[i], 0, 1, 1, &v) != 2)
			fail_msg("'%s' taken for (0, 1]", bad[i]);
	}
	assert_int_equal(num_refused("nan", 0, 1, 1, &v), 2);
	assert_string_equal(got_msg, "--x: expected a number in (0, 1], got 'nan'");
	assert_int_equal(num_refused("inf", 0, 0, INFINITY, &v), 2);
	assert_string_equal(got_msg, "--x: expected a finite number >= 0, got 'inf'");
	assert_int_equal(num_refused("1e-3", 0, 1, 1, &v), 0);
	assert_true(v == 1e-3);
	assert_int_equal(num_refused("1", 0, 1, 1, &v), 0);
	assert_int_equal(num_refused("0", 0, 0, 1, &v), 0);
	assert_int_equal(num_refused("1e-400", 0, 0, 1, &v), 0);   /* underflow: a tiny number, 0 */
	assert_int_equal(num_refused("1e300", 0, 0, INFINITY, &v), 0);
}

static void test_integers(void **st)
{
	(void)st;
	int64_t v;
	static const char *const bad[] = {"99999999999999999999", "-1", "1.5", "1e3", "", "x", "0x10", "3 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (int_refused(bad[i], 0, INT64_MAX, &v) != 2)
			fail_msg("'%s' taken for [0, INT64_MAX]", bad[i]);
	assert_int_equal(int_refused("-1", 0, INT64_MAX, &v), 2);
	assert_string_equal(got_msg, "--n: expected an integer >= 0, got '-1'");
	assert_int_equal(int_refused("99999999999", 0, INT32_MAX, &v), 2);
	assert_string_equal(got_msg, "--n: expected an integer in [0, 2147483647], got '99999999999'");
	assert_int_equal(int_refused("9223372036854775807", 0, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(int_refused("2147483647", 0, INT32_MAX, &v), 0);
}

static void test_sizes(void **st)
{
	(void)st;
	assert_true(pt_mul_size(1u << 20, 1u << 20, "a") == (size_t)1 << 40);
	assert_true(pt_add_size(SIZE_MAX - 1, 1, "a") == SIZE_MAX);
	/* (2^30)^2 * 4 * 4: the parameter bytes of defect 1 */
	size_t n = pt_mul_size((size_t)1 << 30, (size_t)1 << 30, "n");
	got_status = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		pt_mul_size(pt_mul_size(n, 4, "n"), 4, "parameter bytes");
	pt_set_error_handler(NULL);
	assert_int_equal(got_status, 1);
	assert_non_null(strstr(got_msg, "parameter bytes: too large (size overflow"));
	got_status = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		pt_add_size(SIZE_MAX, 1, "offset");
	pt_set_error_handler(NULL);
	assert_int_equal(got_status, 1);
}

static void test_schedule_extremes(void **st)
{
	(void)st;
	/* no signed overflow for any int64 (UBSan in make check) */
	assert_true(isfinite(linear_schedule_lr(5e-5, 0, INT64_MIN, 10)));
	assert_true(isfinite(linear_schedule_lr(5e-5, INT64_MAX, INT64_MIN, INT64_MAX)));
	assert_true(linear_schedule_lr(5e-5, 10, INT64_MAX, 0) >= 0);
	/* and the ordinary values unchanged */
	assert_true(linear_schedule_lr(1.0, 5, 10, 100) == 0.5);
	assert_true(linear_schedule_lr(1.0, 55, 10, 100) == 0.5);
	assert_true(linear_schedule_lr(1.0, 100, 10, 100) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_schedule_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
