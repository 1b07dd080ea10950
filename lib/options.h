/* options: strict parsing of the option values of every tool: numbers and
 * words from a fixed list.
 *
 * Each function takes the option's name as the user types it ("--lr"),
 * parses the WHOLE value (no trailing text, no empty string) and checks it
 * against a closed range before any work starts. Anything else (junk, NaN,
 * an infinity, 1e300 where the range ends lower, an integer beyond int64)
 * exits 2 through pt_usage_error with one line in one format for every tool:
 *   train: --lr: expected a finite number > 0, got 'inf'
 *   collate: --pad-id: expected an integer in [0, 2147483647], got '99999999999'
 * Nothing is allocated; nothing is invalidated. */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include <stdint.h>

/* A decimal integer in [lo, hi]. */
int64_t pt_opt_int(const char *opt, const char *s, int64_t lo, int64_t hi);

/* A finite number in [lo, hi], or (lo, hi] when lo_open; hi may be
 * INFINITY for "no upper bound but finite". */
double pt_opt_num(const char *opt, const char *s, double lo, int lo_open, double hi);

/* One of the n words names[0..n): returns its index. Anything else (NULL
 * too) exits 2 with "OPT: expected A, B or C, got 'S'". The parsers of
 * word options (pt_device_parse, pt_precision_parse, ...) are this with
 * their table. */
int pt_opt_choice(const char *opt, const char *s, const char *const *names, int n);

#endif
