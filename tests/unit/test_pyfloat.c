/* pyfloat against Python's repr (fixture from tests/golden/make_metric_fixtures.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonconv.h"
#include "pyfloat.h"

static const char *fixture(const char *name, char *buf, size_t n)
{
	const char *root = getenv("PT_ROOT");
	snprintf(buf, n, "%s/tests/golden/fixtures/metrics/%s", root ? root : ".", name);
	return buf;
}

static void check(double x, const char *want)
{
	char got[PYFLOAT_BUFSZ];
	pyfloat_repr(x, PYFLOAT_REPR, got);
	assert_string_equal(got, want);
}

static void test_layout(void **st)
{
	(void)st;
	check(0.0, "0.0");
	check(-0.0, "-0.0");
	check(1.0, "1.0");
	check(0.1, "0.1");
	check(1e16, "1e+16");
	check(1e15, "1000000000000000.0");
	check(1e-4, "0.0001");
	check(1e-5, "1e-05");
	check(1.5e-7, "1.5e-07");
	check(123456789012345678.0, "1.2345678901234568e+17");
	check(0.8578431372549019, "0.8578431372549019");
	check(5e-324, "5e-324");
	char buf[PYFLOAT_BUFSZ];
	pyfloat_repr(NAN, PYFLOAT_JSON, buf);
	assert_string_equal(buf, "NaN");
	pyfloat_repr(-INFINITY, PYFLOAT_JSON, buf);
	assert_string_equal(buf, "-Infinity");
	pyfloat_repr(INFINITY, PYFLOAT_REPR, buf);
	assert_string_equal(buf, "inf");
	pyfloat_repr_f32(3.8f, PYFLOAT_REPR, buf);
	assert_string_equal(buf, "3.8");
	pyfloat_repr_f32(16777216.0f, PYFLOAT_REPR, buf);
	assert_string_equal(buf, "16777216.0");
}

/* msgpack2json's float64 spelling must not read back as a float32. */
static void test_f64_disambiguation(void **st)
{
	(void)st;
	const double x[] = {3.8, 0.5, 2.0, 1e-5, 0.1234567890123, 1e20};
	const char *want[] = {"3.80", "0.50", "2.00", "1.0e-05", "0.1234567890123", "1.0e+20"};
	for (size_t i = 0; i < sizeof x / sizeof *x; i++) {
		pt_jbuf b = {0};
		jsonconv_f64(&b, x[i]);
		assert_int_equal(b.n, strlen(want[i]));
		assert_memory_equal(b.p, want[i], b.n);
		jbuf_free(&b);
	}
}

static void test_fixture(void **st)
{
	(void)st;
	char path[4096], line[256];
	FILE *f = fopen(fixture("pyfloat.txt", path, sizeof path), "r");
	assert_non_null(f);
	int n = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		char kind, hex[32], want[64], got[PYFLOAT_BUFSZ];
		if (line[0] == '#' || sscanf(line, "%c %31s %63s", &kind, hex, want) != 3)
			continue;
		uint64_t bits = strtoull(hex, NULL, 16);
		if (kind == 'd') {
			double x;
			memcpy(&x, &bits, sizeof x);
			pyfloat_repr(x, PYFLOAT_REPR, got);
		} else {
			uint32_t b32 = (uint32_t)bits;
			float x;
			memcpy(&x, &b32, sizeof x);
			pyfloat_repr_f32(x, PYFLOAT_REPR, got);
		}
		n++;
		if (strcmp(got, want) != 0 && bad++ < 5)
			fprintf(stderr, "%c %s: want %s, got %s\n", kind, hex, want, got);
	}
	fclose(f);
	assert_true(n > 3000);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_f64_disambiguation),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
