/* util: pt_die and pt_usage_error with an error handler (the path the fuzzing
 * harnesses take) report the status and message and do not exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util.h"

#include "test_catch.h"

static void test_die_is_caught(void **st)
{
	(void)st;
	volatile int reached = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0) {
		pt_die("%s: record %d: bad", "in.mpk", 3);
		reached = 1;
	}
	pt_set_error_handler(NULL);
	assert_int_equal(reached, 0);
	assert_int_equal(got_status, 1);
	assert_string_equal(got_msg, "in.mpk: record 3: bad");
}

static void test_usage_error_is_caught(void **st)
{
	(void)st;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		pt_usage_error("--lr: expected a number, got '%s'", "x");
	pt_set_error_handler(NULL);
	assert_int_equal(got_status, 2);
	assert_string_equal(got_msg, "--lr: expected a number, got 'x'");
}

/* Under ASan (make check's second pass), a huge malloc returns NULL as it
 * does without it, instead of ending the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* A failing allocation goes through pt_die too. */
static void test_out_of_memory_is_caught(void **st)
{
	(void)st;
	got_status = 0;
	pt_set_error_handler(handler);
	if (setjmp(env) == 0)
		pt_malloc(SIZE_MAX / 2);
	pt_set_error_handler(NULL);
	assert_int_equal(got_status, 1);
	assert_non_null(strstr(got_msg, "out of memory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_die_is_caught),
		cmocka_unit_test(test_usage_error_is_caught),
		cmocka_unit_test(test_out_of_memory_is_caught),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
