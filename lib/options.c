/* options: strict option values (see options.h). */
#include "options.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t pt_opt_int(const char *opt, const char *s, int64_t lo, int64_t hi)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		if (hi == INT64_MAX)
			pt_usage_error("%s: expected an integer >= %lld, got '%s'", opt, (long long)lo, s);
		pt_usage_error("%s: expected an integer in [%lld, %lld], got '%s'", opt, (long long)lo,
			       (long long)hi, s);
	}
	return (int64_t)v;
}

double pt_opt_num(const char *opt, const char *s, double lo, int lo_open, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* ERANGE on underflow (1e-400) is a tiny finite number, not an error */
	int bad = end == s || *end || !isfinite(v) || (errno == ERANGE && fabs(v) > 1);
	bad = bad || (lo_open ? !(v > lo) : !(v >= lo)) || !(v <= hi);
	if (bad) {
		if (isinf(hi))
			pt_usage_error("%s: expected a finite number %s %g, got '%s'", opt, lo_open ? ">" : ">=",
				       lo, s);
		pt_usage_error("%s: expected a number in %c%g, %g], got '%s'", opt, lo_open ? '(' : '[', lo, hi, s);
	}
	return v;
}

int pt_opt_choice(const char *opt, const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	char list[256] = "";
	size_t len = 0;
	for (int i = 0; i < n && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
					names[i]);
	pt_usage_error("%s: expected %s, got '%s'", opt, list, s ? s : "(null)");
}
