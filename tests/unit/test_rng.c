/* rng's bounded draws and shuffle: pt_rng_below stays in range and is
 * unbiased where a plain modulo is not; pt_shuffle gives a permutation, and
 * every permutation of 3 elements about equally often. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rng.h"

static void test_below_range(void **st)
{
	(void)st;
	uint64_t s = 42;
	const uint64_t bounds[] = { 1, 2, 3, 7, 1000, (1ull << 63) + 1, UINT64_MAX };
	for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
		for (int i = 0; i < 1000; i++)
			assert_true(pt_rng_below(&s, bounds[b]) < bounds[b]);
}

/* bound 3 * 2^62: a modulo of 64-bit draws would give [0, 2^62) twice the
 * weight of the rest (one half of the draws below 2^62, not a third) */
static void test_below_unbiased(void **st)
{
	(void)st;
	uint64_t s = 7, bound = 3ull << 62;
	int low = 0, n = 30000;
	for (int i = 0; i < n; i++)
		low += pt_rng_below(&s, bound) < (1ull << 62);
	assert_true(fabs((double)low / n - 1.0 / 3) < 0.02);
}

static void test_shuffle(void **st)
{
	(void)st;
	uint64_t s = 1;
	int count[6] = { 0 }, n = 60000;
	for (int r = 0; r < n; r++) {
		size_t v[3] = { 0, 1, 2 };
		pt_shuffle(v, 3, sizeof v[0], &s);
		int seen = (1 << v[0]) | (1 << v[1]) | (1 << v[2]);
		assert_int_equal(seen, 7);
		count[v[0] * 2 + (v[1] > v[2])]++;
	}
	for (int k = 0; k < 6; k++)
		assert_true(fabs((double)count[k] / n - 1.0 / 6) < 0.01);
	/* a longer one is a permutation, and 0 or 1 elements are left alone */
	int32_t w[1000];
	for (int i = 0; i < 1000; i++)
		w[i] = i;
	pt_shuffle(w, 1000, sizeof w[0], &s);
	char hit[1000] = { 0 };
	int moved = 0;
	for (int i = 0; i < 1000; i++) {
		assert_true(w[i] >= 0 && w[i] < 1000 && !hit[w[i]]);
		hit[w[i]] = 1;
		moved += w[i] != i;
	}
	assert_true(moved > 900);
	pt_shuffle(w, 1, sizeof w[0], &s);
	pt_shuffle(NULL, 0, sizeof w[0], &s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_range),
		cmocka_unit_test(test_below_unbiased),
		cmocka_unit_test(test_shuffle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
