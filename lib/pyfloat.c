#include "pyfloat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The correctly rounded p-digit decimal of |x| (glibc printf rounds
 * correctly): digits into d, returns decpt. */
static int digits_at(double ax, int p, char *d)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%.*e", p - 1, ax);
	/* tmp = "D.DDDDe+XX" or "De+XX" */
	int n = 0;
	const char *s = tmp;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			d[n++] = *s;
	d[n] = '\0';
	return atoi(s + 1) + 1;
}

static int roundtrips(double ax, int f32, const char *d, int decpt)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "0.%se%d", d, decpt);
	if (f32)
		return strtof(tmp, NULL) == (float)ax;
	return strtod(tmp, NULL) == ax;
}

/* Python never prints trailing zeros in the digit string. */
static void trim(char *d)
{
	size_t n = strlen(d);
	while (n > 1 && d[n - 1] == '0')
		d[--n] = '\0';
}

/* Adds one unit in the last place of the digit string; returns the new
 * decpt (one more when 99..9 carries into 100..0). */
static int bump(char *d, int decpt)
{
	int i = (int)strlen(d) - 1;
	while (i >= 0 && d[i] == '9')
		d[i--] = '0';
	if (i >= 0) {
		d[i]++;
		return decpt;
	}
	d[0] = '1';
	return decpt + 1;
}

/* Shortest candidate with p digits: the nearest p-digit decimal, or, next
 * to a power of two where the rounding interval is lopsided, the one above
 * it. Returns 1 and fills d/decpt when one reads back to x. */
static int candidate(double ax, int f32, int p, char *d, int *decpt)
{
	*decpt = digits_at(ax, p, d);
	if (roundtrips(ax, f32, d, *decpt))
		return 1;
	char up[32];
	strcpy(up, d);
	int dp = bump(up, *decpt);
	if (roundtrips(ax, f32, up, dp)) {
		strcpy(d, up);
		*decpt = dp;
		return 1;
	}
	return 0;
}


/* The shortest round-trip digits of x (finite, nonzero or zero): writes the
 * significant digits (no sign, no point, NUL-terminated) to digits (at least
 * 20 bytes) and returns decpt, so that |x| = 0.DIGITS * 10^decpt. *neg gets
 * the sign bit. f32 selects float32 round-tripping (x must then be a float32
 * value). */
static int pyfloat_shortest(double x, int f32, char *digits, int *neg)
{
	*neg = signbit(x) != 0;
	double ax = fabs(x);
	if (ax == 0) {
		strcpy(digits, "0");
		return 1;
	}
	/* Round-tripping is monotone in the number of digits: binary search. */
	int lo = 1, hi = f32 ? 9 : 17;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		char d[32];
		int dp;
		if (candidate(ax, f32, mid, d, &dp))
			hi = mid;
		else
			lo = mid + 1;
	}
	int decpt;
	if (!candidate(ax, f32, lo, digits, &decpt))
		decpt = digits_at(ax, lo, digits);
	trim(digits);
	return decpt;
}

static size_t layout(const char *d, int decpt, int neg, char *buf)
{
	char *p = buf;
	int n = (int)strlen(d);
	if (neg)
		*p++ = '-';
	if (decpt <= -4 || decpt > 16) {
		*p++ = d[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)n - 1);
			p += n - 1;
		}
		p += sprintf(p, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
	} else if (decpt <= 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = 0; i < -decpt; i++)
			*p++ = '0';
		memcpy(p, d, (size_t)n);
		p += n;
	} else if (decpt >= n) {
		memcpy(p, d, (size_t)n);
		p += n;
		for (int i = n; i < decpt; i++)
			*p++ = '0';
		*p++ = '.';
		*p++ = '0';
	} else {
		memcpy(p, d, (size_t)decpt);
		p += decpt;
		*p++ = '.';
		memcpy(p, d + decpt, (size_t)(n - decpt));
		p += n - decpt;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

static size_t nonfinite(double x, enum pyfloat_style style, char *buf)
{
	const char *s;
	if (isnan(x))
		s = style == PYFLOAT_JSON ? "NaN" : "nan";
	else if (x > 0)
		s = style == PYFLOAT_JSON ? "Infinity" : "inf";
	else
		s = style == PYFLOAT_JSON ? "-Infinity" : "-inf";
	strcpy(buf, s);
	return strlen(s);
}

/* x's repr, its digits the shortest that round-trip as float32 when f32 */
static size_t repr(double x, int f32, enum pyfloat_style style, char *buf)
{
	if (!isfinite(x))
		return nonfinite(x, style, buf);
	char d[32];
	int neg;
	int decpt = pyfloat_shortest(x, f32, d, &neg);
	return layout(d, decpt, neg, buf);
}

size_t pyfloat_repr(double x, enum pyfloat_style style, char *buf)
{
	return repr(x, 0, style, buf);
}

size_t pyfloat_repr_f32(float x, enum pyfloat_style style, char *buf)
{
	return repr(x, 1, style, buf);
}
