/* stcmp: compares two safetensors files (or model folders) tensor by tensor.
 *
 *   stcmp A B [TOL [SKIP]]
 *
 * Every tensor of A must exist in B with the same shape; for each, the
 * largest |a - b| over the largest |b| of that tensor must not exceed TOL
 * (default 0: bit-identical). Tensors whose name contains SKIP are not
 * compared (e.g. "key.bias": its gradient is 0 in exact arithmetic, so
 * what AdamW makes of it is amplified rounding noise). Prints the worst tensor; exit 0 when all
 * agree, 1 otherwise. A test helper, not an installed tool. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"
#include "util.h"

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	if (argc < 3 || argc > 5)
		pt_usage_error("usage: stcmp A B [TOL [SKIP]]");
	const char *skip = argc == 5 ? argv[4] : NULL;
	double tol = 0;
	if (argc >= 4 && pt_parse_double(argv[3], &tol) != 0)
		pt_usage_error("TOL: expected a number, got '%s'", argv[3]);
	st_file *a = st_open(argv[1]), *b = st_open(argv[2]);
	double worst = 0;
	const char *worst_name = "";
	int bad = 0;
	for (size_t i = 0; i < st_count(a); i++) {
		const st_tensor *ta = st_at(a, i), *tb = st_find(b, ta->name);
		if (skip && strstr(ta->name, skip))
			continue;
		if (!tb) {
			fprintf(stderr, "stcmp: %s: missing in %s\n", ta->name, argv[2]);
			bad = 1;
			continue;
		}
		size_t n = st_numel(ta);
		if (st_numel(tb) != n || ta->ndim != tb->ndim) {
			fprintf(stderr, "stcmp: %s: shapes differ\n", ta->name);
			bad = 1;
			continue;
		}
		if (ta->dtype != ST_F32 && ta->dtype != ST_F16 && ta->dtype != ST_BF16 && ta->dtype != ST_F64)
			continue;
		float *x = pt_malloc(n * sizeof *x), *y = pt_malloc(n * sizeof *y);
		st_to_f32(ta, x);
		st_to_f32(tb, y);
		double dmax = 0, ref = 0;
		for (size_t k = 0; k < n; k++) {
			double d = fabs((double)x[k] - (double)y[k]);
			if (d > dmax || isnan(d))
				dmax = isnan(d) ? INFINITY : d;
			if (fabs(y[k]) > ref)
				ref = fabs(y[k]);
		}
		double rel = dmax == 0 ? 0 : dmax / (ref > 0 ? ref : 1);
		if (rel > worst) {
			worst = rel;
			worst_name = ta->name;
		}
		free(x);
		free(y);
	}
	printf("stcmp: worst relative difference %.3g (%s), tolerance %.3g\n", worst, worst_name, tol);
	st_close(a);
	st_close(b);
	return bad || worst > tol;
}
