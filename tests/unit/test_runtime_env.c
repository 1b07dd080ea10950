/* runtime_env: when train and predict override OpenBLAS's core choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime_env.h"

static void test_generic_core_on_avx2_cpu(void **st)
{
	(void)st;
	/* an OpenBLAS older than the CPU falls back to a generic core */
	assert_string_equal(pt_blas_core_fallback("Prescott", 1), "Haswell");
	assert_string_equal(pt_blas_core_fallback("Nehalem", 1), "Haswell");
	assert_string_equal(pt_blas_core_fallback("sandybridge", 1), "Haswell");
}

static void test_choice_stands(void **st)
{
	(void)st;
	/* a core it recognised, with AVX2 or better */
	assert_null(pt_blas_core_fallback("Haswell", 1));
	assert_null(pt_blas_core_fallback("SkylakeX", 1));
	assert_null(pt_blas_core_fallback("Cooperlake", 1));
	assert_null(pt_blas_core_fallback("Zen", 1));
	/* a CPU without AVX2+FMA: Haswell kernels would not run there */
	assert_null(pt_blas_core_fallback("Prescott", 0));
	assert_null(pt_blas_core_fallback(NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic_core_on_avx2_cpu),
		cmocka_unit_test(test_choice_stands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
