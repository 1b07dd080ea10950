/* pyfloat: floats printed exactly as Python prints them.
 *
 * Python's repr(float) is the shortest decimal string that reads back to
 * the same double (David Gay's mode 0), written in fixed notation when
 * 1e-4 <= |x| < 1e16 (with ".0" appended to integral values: "2.0",
 * "1000000000000000.0") and in exponent notation otherwise ("1e-05",
 * "1.5e+16": at least two exponent digits, sign always shown). The float32
 * variant uses the shortest string that reads back (as float32) to the same
 * float32, with the same layout rules: this is numpy's repr of np.float32. */
#ifndef PT_PYFLOAT_H
#define PT_PYFLOAT_H

#include <stddef.h>

/* Buffer size that always suffices for the functions below. */
#define PYFLOAT_BUFSZ 40

/* Non-finite values: Python repr spells them "nan", "inf", "-inf"; Python's
 * json module spells them "NaN", "Infinity", "-Infinity". */
enum pyfloat_style { PYFLOAT_REPR, PYFLOAT_JSON };

/* Writes repr(x) for a double into buf (at least PYFLOAT_BUFSZ bytes),
 * NUL-terminated; returns the length. */
size_t pyfloat_repr(double x, enum pyfloat_style style, char *buf);
/* The same for a float32 value: shortest digits that round-trip as float32. */
size_t pyfloat_repr_f32(float x, enum pyfloat_style style, char *buf);


#endif
