/* jsonconv: msgpack records <-> JSON text, losslessly for what pipetune
 * writes.
 *
 * msgpack -> JSON: maps become objects (string keys only), arrays arrays,
 * ints ints, nil/bool null/true/false, strings strings (UTF-8 kept as is,
 * '"', '\\' and control characters escaped). A float32 is printed as the
 * shortest string that reads back to the same float32, a float64 as
 * Python's repr (shortest round trip); both in Python's layout ("0.5",
 * "2.0", "1e-05"); NaN and infinities as Python's json module prints them
 * (NaN, Infinity, -Infinity).
 *
 * JSON -> msgpack (the typing rule): an integer literal becomes a msgpack
 * int (exact, int64 range); a number with a fraction or an exponent becomes
 * a float32 when its text is exactly the shortest float32 repr of the
 * float32 it denotes (what msgpack2json prints for a float32), otherwise a
 * float64. So that a float64 whose shortest repr happens to also be a
 * float32's shortest repr (3.8, 0.5, 2.0) survives the round trip,
 * msgpack2json prints it with one extra trailing zero in the mantissa
 * ("3.80", "0.50", "2.00", "1.0e-05"): the same number to any JSON reader,
 * but not the float32 spelling. NaN/Infinity cannot be read back (they are
 * not JSON). */
#ifndef PT_JSONCONV_H
#define PT_JSONCONV_H

#include <stddef.h>
#include <stdio.h>

#include "record.h"

/* A growable output buffer; fields are public for fwrite. */
typedef struct {
	char *p;
	size_t n, cap;
} pt_jbuf;

/* How a record is printed. */
typedef struct {
	/* 0: one line with ", " and ": " separators, as Python's
	 * json.dumps(obj). 1: two-space indentation, one member or element per
	 * line as json.dumps(indent=2), except that an array holding no array
	 * or map stays on one line ("input_ids": [101, 2057, 102]), so a
	 * batch shows one row a line. */
	int pretty;
	/* When set: after a top-level "input_ids" member comes "tokens", the
	 * same shape with each id as tokens[id] (null for an id outside
	 * [0, ntokens) or without a token; any other value as null). */
	const char *const *tokens;
	size_t ntokens;
} pt_json_opts;

/* Appends the JSON text of the record to b (not NUL-terminated), followed
 * by "\n", laid out as opts says. Dies (naming the record) on what JSON
 * cannot hold: binary or extension values, non-string map keys. */
void jsonconv_record(pt_jbuf *b, const pt_record *rec, const pt_json_opts *opts);
/* Appends the text of one float64 exactly as msgpack2json prints it.
 * For tests (test_pyfloat.c); the library's callers are in jsonconv.c. */
void jsonconv_f64(pt_jbuf *b, double v);
void jbuf_free(pt_jbuf *b);

/* Reads a stream of JSON objects (JSON Lines, or pretty-printed objects
 * one after another) and writes each as a msgpack map. */
typedef struct pt_jreader pt_jreader;
/* Opens path ("-" or NULL: stdin); dies if it cannot. */
pt_jreader *jr_open(const char *path);
/* Reads from fp, named name in messages; jr_close does not close fp.
 * jr_open is its caller; tests/fuzz/fuzz_jsonconv.c uses it directly. */
pt_jreader *jr_open_stream(FILE *fp, const char *name);
/* Converts the next object onto w. Returns 1, or 0 at end of input. Dies
 * with "FILE: line L, column C: what" on invalid JSON, a top-level value
 * that is not an object, duplicate keys, or integers out of int64 range. */
int jr_next(pt_jreader *r, pt_writer *w);
void jr_close(pt_jreader *r);

#endif
