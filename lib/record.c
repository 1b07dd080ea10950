#include "record.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define READ_CHUNK (1 << 16)

struct pt_reader {
	FILE *fp;
	char *name;
	msgpack_unpacker up;
	msgpack_unpacked res;
	long count;     /* records returned so far */
	int eof;
	int own_fp;     /* rec_close closes fp */
};

pt_reader *rec_open(const char *path)
{
	/* open first, so that failing leaves nothing allocated (LeakSanitizer) */
	const char *name;
	FILE *fp = pt_input_open(path, &name);
	pt_reader *r = rec_open_stream(fp, name);
	r->own_fp = fp != stdin;
	return r;
}

pt_reader *rec_open_stream(FILE *fp, const char *name)
{
	pt_reader *r = pt_calloc(1, sizeof *r);
	r->fp = fp;
	r->name = pt_strdup(name);
	if (!msgpack_unpacker_init(&r->up, READ_CHUNK))
		pt_die("out of memory");
	msgpack_unpacked_init(&r->res);
	return r;
}

const char *rec_source(const pt_reader *r) { return r->name; }

int rec_next(pt_reader *r, pt_record *rec)
{
	for (;;) {
		/* Drain what is buffered first; `next` frees the previous object. */
		msgpack_unpack_return ret = msgpack_unpacker_next(&r->up, &r->res);
		if (ret == MSGPACK_UNPACK_SUCCESS) {
			if (r->res.data.type != MSGPACK_OBJECT_MAP)
				pt_die("%s: record %ld: expected a map, got %s", r->name, r->count,
				       msgpack_type_name(&r->res.data));
			rec->map = &r->res.data;
			rec->src = r->name;
			rec->index = r->count++;
			return 1;
		}
		if (ret == MSGPACK_UNPACK_PARSE_ERROR)
			pt_die("%s: record %ld: malformed msgpack", r->name, r->count);
		if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
			pt_die("%s: record %ld: out of memory", r->name, r->count);
		/* CONTINUE: need more bytes, within the record size limit */
		if (msgpack_unpacker_message_size(&r->up) > PT_RECORD_MAX)
			pt_die("%s: record %ld: over the %d MiB limit on one record", r->name, r->count,
			       PT_RECORD_MAX >> 20);
		if (r->eof) {
			if (msgpack_unpacker_message_size(&r->up) > 0)
				pt_die("%s: record %ld: truncated (input ends inside a record)", r->name,
				       r->count);
			return 0;
		}
		if (!msgpack_unpacker_reserve_buffer(&r->up, READ_CHUNK))
			pt_die("out of memory");
		size_t n = fread(msgpack_unpacker_buffer(&r->up), 1,
				 msgpack_unpacker_buffer_capacity(&r->up), r->fp);
		if (n == 0) {
			if (ferror(r->fp))
				pt_die("%s: read error: %s", r->name, strerror(errno));
			r->eof = 1;
		}
		msgpack_unpacker_buffer_consumed(&r->up, n);
	}
}

void rec_close(pt_reader *r)
{
	if (!r)
		return;
	msgpack_unpacked_destroy(&r->res);
	msgpack_unpacker_destroy(&r->up);
	if (r->own_fp)
		fclose(r->fp);
	free(r->name);
	free(r);
}

const char *msgpack_type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "a float";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_BIN: return "binary data";
	case MSGPACK_OBJECT_ARRAY: return "an array";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_EXT: return "an extension value";
	}
	return "an unknown type";
}

void rec_die(const pt_record *r, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (key)
		pt_die("%s: record %ld: field '%s': %s", r->src, r->index, key, buf);
	pt_die("%s: record %ld: %s", r->src, r->index, buf);
}

const msgpack_object *rec_field(const pt_record *r, const char *key)
{
	size_t klen = strlen(key);
	const msgpack_object_map *m = &r->map->via.map;
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    (klen == 0 || memcmp(k->via.str.ptr, key, klen) == 0))   /* "" has a NULL ptr */
			return &m->ptr[i].val;
	}
	return NULL;
}

static const msgpack_object *need(const pt_record *r, const char *key)
{
	const msgpack_object *o = rec_field(r, key);
	if (!o)
		rec_die(r, key, "missing");
	return o;
}

static int is_int(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
	       o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

static int64_t obj_int(const pt_record *r, const char *key, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			rec_die(r, key, "integer out of range");
		return (int64_t)o->via.u64;
	}
	rec_die(r, key, "expected an integer, got %s", msgpack_type_name(o));
}

int rec_int_opt(const pt_record *r, const char *key, int64_t *out)
{
	const msgpack_object *o = rec_field(r, key);
	if (!o)
		return 0;
	*out = obj_int(r, key, o);
	return 1;
}

int64_t rec_int(const pt_record *r, const char *key)
{
	return obj_int(r, key, need(r, key));
}

static double obj_num(const pt_record *r, const char *key, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
		return o->via.f64;
	if (is_int(o))
		return (double)obj_int(r, key, o);
	rec_die(r, key, "expected a number, got %s", msgpack_type_name(o));
}

int rec_num_opt(const pt_record *r, const char *key, double *out)
{
	const msgpack_object *o = rec_field(r, key);
	if (!o)
		return 0;
	*out = obj_num(r, key, o);
	return 1;
}

double rec_num(const pt_record *r, const char *key)
{
	return obj_num(r, key, need(r, key));
}

static void grow(void **buf, size_t *cap, size_t n, size_t elem)
{
	if (n > *cap) {
		*buf = pt_realloc(*buf, pt_mul_size(n, elem, "record field"));
		*cap = n;
	}
}

static size_t fill_ints(const pt_record *r, const char *key, const msgpack_object *a,
			int32_t *dst)
{
	for (uint32_t i = 0; i < a->via.array.size; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];
		if (!is_int(e))
			rec_die(r, key, "element %u: expected an integer, got %s", i, msgpack_type_name(e));
		int64_t v = obj_int(r, key, e);
		if (v < INT32_MIN || v > INT32_MAX)
			rec_die(r, key, "element %u: integer %lld out of range", i, (long long)v);
		dst[i] = (int32_t)v;
	}
	return a->via.array.size;
}

size_t rec_int_array(const pt_record *r, const char *key, int32_t **buf, size_t *cap)
{
	const msgpack_object *a = need(r, key);
	if (a->type != MSGPACK_OBJECT_ARRAY)
		rec_die(r, key, "expected an array of integers, got %s", msgpack_type_name(a));
	grow((void **)buf, cap, a->via.array.size, sizeof **buf);
	return fill_ints(r, key, a, *buf);
}

size_t rec_float_array(const pt_record *r, const char *key, float **buf, size_t *cap)
{
	const msgpack_object *a = need(r, key);
	if (a->type != MSGPACK_OBJECT_ARRAY)
		rec_die(r, key, "expected an array of numbers, got %s", msgpack_type_name(a));
	grow((void **)buf, cap, a->via.array.size, sizeof **buf);
	for (uint32_t i = 0; i < a->via.array.size; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];
		if (e->type == MSGPACK_OBJECT_FLOAT32 || e->type == MSGPACK_OBJECT_FLOAT64)
			(*buf)[i] = (float)e->via.f64;
		else if (is_int(e))
			(*buf)[i] = (float)obj_int(r, key, e);
		else
			rec_die(r, key, "element %u: expected a number, got %s", i, msgpack_type_name(e));
	}
	return a->via.array.size;
}

size_t rec_int_matrix(const pt_record *r, const char *key, int32_t **buf, size_t *cap,
		      size_t *rows, size_t *cols)
{
	const msgpack_object *a = need(r, key);
	if (a->type != MSGPACK_OBJECT_ARRAY)
		rec_die(r, key, "expected an array of arrays of integers, got %s", msgpack_type_name(a));
	size_t nr = a->via.array.size, nc = 0;
	for (size_t i = 0; i < nr; i++) {
		const msgpack_object *row = &a->via.array.ptr[i];
		if (row->type != MSGPACK_OBJECT_ARRAY)
			rec_die(r, key, "row %zu: expected an array of integers, got %s", i,
				msgpack_type_name(row));
		if (i == 0)
			nc = row->via.array.size;
		else if (row->via.array.size != nc)
			rec_die(r, key, "row %zu has %u elements, row 0 has %zu (rows must be padded to one length)",
				i, row->via.array.size, nc);
	}
	grow((void **)buf, cap, pt_mul_size(nr, nc, "record field"), sizeof **buf);
	for (size_t i = 0; i < nr && nc > 0; i++)   /* rows of 0 leave *buf as it is (maybe NULL) */
		fill_ints(r, key, &a->via.array.ptr[i], *buf + i * nc);
	*rows = nr;
	*cols = nc;
	return nr * nc;
}

/* msgpack_packer callback: buffered fwrite; errors are caught by ferror()
 * at pt_output_commit(). Zero-length writes (empty strings) are fine. */
static int fwrite_cb(void *data, const char *buf, size_t len)
{
	return len == 0 || fwrite(buf, 1, len, (FILE *)data) == len ? 0 : -1;
}

void wr_init(pt_writer *w, FILE *fp)
{
	w->fp = fp;
	msgpack_packer_init(&w->pk, fp, fwrite_cb);
}

void wr_map(pt_writer *w, size_t n) { msgpack_pack_map(&w->pk, n); }
void wr_array(pt_writer *w, size_t n) { msgpack_pack_array(&w->pk, n); }
void wr_int(pt_writer *w, int64_t v) { msgpack_pack_int64(&w->pk, v); }
void wr_f32(pt_writer *w, float v) { msgpack_pack_float(&w->pk, v); }
void wr_f64(pt_writer *w, double v) { msgpack_pack_double(&w->pk, v); }
void wr_obj(pt_writer *w, const msgpack_object *o) { msgpack_pack_object(&w->pk, *o); }

void wr_key(pt_writer *w, const char *key)
{
	wr_str(w, key, strlen(key));
}

void wr_str(pt_writer *w, const char *s, size_t len)
{
	msgpack_pack_str(&w->pk, len);
	msgpack_pack_str_body(&w->pk, s, len);
}

void wr_int_array(pt_writer *w, const int32_t *v, size_t n)
{
	msgpack_pack_array(&w->pk, n);
	for (size_t i = 0; i < n; i++)
		msgpack_pack_int32(&w->pk, v[i]);
}

void wr_f32_array(pt_writer *w, const float *v, size_t n)
{
	msgpack_pack_array(&w->pk, n);
	for (size_t i = 0; i < n; i++)
		msgpack_pack_float(&w->pk, v[i]);
}
