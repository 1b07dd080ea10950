/* record: msgpack record streams (maps written back to back, no framing).
 *
 * Reading streams with msgpack_unpacker, never slurping a whole file. Every
 * error in the input is fatal for a tool, so the reading and typed-access
 * functions die (pt_die) with one line that names the input, the 0-based
 * record number and the field:
 *   collate: train.mpk: record 12: field 'input_ids': expected an array of integers, got a string
 * Writing packs straight into a FILE (msgpack_packer over fwrite); write
 * errors surface at pt_output_commit(). */
#ifndef PT_RECORD_H
#define PT_RECORD_H

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>

typedef struct pt_reader pt_reader;

/* The largest record a reader accepts, in bytes (1 GiB): a longer one dies
 * with its record number. One collated batch of 8 rows of 512 tokens is
 * about 40 kB. It also bounds a batch to under 2^30 token ids. */
#define PT_RECORD_MAX (1 << 30)

typedef struct {
	const msgpack_object *map;  /* the record, always a map */
	const char *src;            /* input name for messages */
	long index;                 /* 0-based record number in that input */
} pt_record;

/* Opens path for reading records ("-" or NULL: stdin). Dies if it cannot. */
pt_reader *rec_open(const char *path);
/* Reads records from fp, named name in messages; fp stays the caller's
 * (rec_close does not close it).
 * rec_open is its caller; the fuzzing harnesses (tests/fuzz/) use it directly. */
pt_reader *rec_open_stream(FILE *fp, const char *name);
/* Reads the next record into *rec. Returns 1, or 0 at a clean end of input.
 * Dies on a parse error, a truncated last record, or a record that is not a
 * map. The record stays valid until the next call (which frees it). */
int rec_next(pt_reader *r, pt_record *rec);
const char *rec_source(const pt_reader *r);
void rec_close(pt_reader *r);

/* Field access. rec_field returns NULL when key is absent. The typed
 * getters die when the field is absent (the _opt forms return 0 instead)
 * or has the wrong type; they return 1 when the field was found. */
const msgpack_object *rec_field(const pt_record *r, const char *key);
_Noreturn void rec_die(const pt_record *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *msgpack_type_name(const msgpack_object *o);

int64_t rec_int(const pt_record *r, const char *key);
int rec_int_opt(const pt_record *r, const char *key, int64_t *out);
double rec_num(const pt_record *r, const char *key);       /* int or float */
int rec_num_opt(const pt_record *r, const char *key, double *out);

/* An array of integers into *buf (grown with pt_realloc, *cap its capacity
 * in elements). Returns the number of elements. Values must fit int32. */
size_t rec_int_array(const pt_record *r, const char *key, int32_t **buf, size_t *cap);
/* An array of numbers (ints or floats) into a float buffer. */
size_t rec_float_array(const pt_record *r, const char *key, float **buf, size_t *cap);
/* An array of equal-length arrays of integers, row-major into *buf; sets
 * *rows and *cols. Dies if rows differ in length. */
size_t rec_int_matrix(const pt_record *r, const char *key, int32_t **buf, size_t *cap,
		      size_t *rows, size_t *cols);

/* Writing. */
typedef struct {
	msgpack_packer pk;
	FILE *fp;
} pt_writer;

void wr_init(pt_writer *w, FILE *fp);
void wr_map(pt_writer *w, size_t n);         /* then n key/value pairs */
void wr_key(pt_writer *w, const char *key);
void wr_int(pt_writer *w, int64_t v);
void wr_f32(pt_writer *w, float v);
void wr_f64(pt_writer *w, double v);
void wr_str(pt_writer *w, const char *s, size_t len);
void wr_array(pt_writer *w, size_t n);       /* then n values */
void wr_int_array(pt_writer *w, const int32_t *v, size_t n);
void wr_f32_array(pt_writer *w, const float *v, size_t n);
void wr_obj(pt_writer *w, const msgpack_object *o);  /* copy a value as is */

#endif
