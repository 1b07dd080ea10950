#include "jsonconv.h"
#include "pyfloat.h"
#include "text/textinput.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

static void reserve(pt_jbuf *b, size_t more)
{
	if (b->n + more > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		while (c < b->n + more)
			c *= 2;
		b->p = pt_realloc(b->p, c);
		b->cap = c;
	}
}

/* s may be NULL when n is 0 (msgpack-c's empty strings). */
static void put(pt_jbuf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void putc_(pt_jbuf *b, char c)
{
	reserve(b, 1);
	b->p[b->n++] = c;
}

void jbuf_free(pt_jbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static void put_u64(pt_jbuf *b, uint64_t v, int neg)
{
	char tmp[24];
	int i = (int)sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		tmp[--i] = '-';
	put(b, tmp + i, sizeof tmp - (size_t)i);
}

/* Appends the text of one float32 exactly as msgpack2json prints it. */
static void jsonconv_f32(pt_jbuf *b, float v)
{
	reserve(b, PYFLOAT_BUFSZ);
	b->n += pyfloat_repr_f32(v, PYFLOAT_JSON, b->p + b->n);
}

void jsonconv_f64(pt_jbuf *b, double v)
{
	char s[PYFLOAT_BUFSZ + 4], t[PYFLOAT_BUFSZ];
	size_t n = pyfloat_repr(v, PYFLOAT_JSON, s);
	if (isfinite(v)) {
		/* Would json2msgpack take this text for a float32? Then spell the
		 * same number differently (see the header). */
		float f = strtof(s, NULL);
		if (isfinite(f) && pyfloat_repr_f32(f, PYFLOAT_JSON, t) == n && memcmp(s, t, n) == 0) {
			char *e = strchr(s, 'e');
			const char *ins = strchr(s, '.') ? "0" : ".0";
			size_t at = e ? (size_t)(e - s) : n, k = strlen(ins);
			memmove(s + at + k, s + at, n - at + 1);
			memcpy(s + at, ins, k);
			n += k;
		}
	}
	put(b, s, n);
}

static void put_str(pt_jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	reserve(b, n + 2);
	b->p[b->n++] = '"';
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, s + start, i - start);
		start = i + 1;
		char esc[7] = {'\\', 0};
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(b, esc, 6);
			continue;
		}
		put(b, esc, 2);
	}
	if (n > start)
		put(b, s + start, n - start);
	putc_(b, '"');
}

/* A msgpack string as a JSON string; JSON text is UTF-8, so a string that
 * is not dies naming the record. */
static void put_text(pt_jbuf *b, const msgpack_object *o, const pt_record *rec)
{
	size_t bad = ti_utf8_check(o->via.str.ptr, o->via.str.size);
	if (bad)
		rec_die(rec, NULL, "a string is not valid UTF-8 (at its byte %zu); JSON text must be UTF-8", bad);
	put_str(b, o->via.str.ptr, o->via.str.size);
}

static void newline(pt_jbuf *b, int depth)
{
	reserve(b, 1 + 2 * (size_t)depth);
	b->p[b->n++] = '\n';
	for (int i = 0; i < depth; i++) {
		b->p[b->n++] = ' ';
		b->p[b->n++] = ' ';
	}
}

/* An array with neither arrays nor maps in it: printed on one line. */
static int flat_array(const msgpack_object_array *a)
{
	for (uint32_t i = 0; i < a->size; i++)
		if (a->ptr[i].type == MSGPACK_OBJECT_ARRAY || a->ptr[i].type == MSGPACK_OBJECT_MAP)
			return 0;
	return 1;
}

/* An int id as its token (opts->tokens); anything else as null. */
static void put_token(pt_jbuf *b, const msgpack_object *o, const pt_json_opts *opts)
{
	const char *t = NULL;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 < opts->ntokens)
		t = opts->tokens[o->via.u64];
	if (t)
		put_str(b, t, strlen(t));
	else
		put(b, "null", 4);
}

/* as_tokens: print o's arrays as they are and every other value as
 * put_token does (the "tokens" view of input_ids). */
static void put_obj(pt_jbuf *b, const msgpack_object *o, int depth, const pt_record *rec,
		    const pt_json_opts *opts, int as_tokens)
{
	int pretty = opts->pretty;
	if (as_tokens && o->type != MSGPACK_OBJECT_ARRAY) {
		put_token(b, o, opts);
		return;
	}
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: put(b, "null", 4); return;
	case MSGPACK_OBJECT_BOOLEAN:
		if (o->via.boolean)
			put(b, "true", 4);
		else
			put(b, "false", 5);
		return;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: put_u64(b, o->via.u64, 0); return;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		put_u64(b, (uint64_t)0 - (uint64_t)o->via.i64, 1);
		return;
	case MSGPACK_OBJECT_FLOAT32: jsonconv_f32(b, (float)o->via.f64); return;
	case MSGPACK_OBJECT_FLOAT64: jsonconv_f64(b, o->via.f64); return;
	case MSGPACK_OBJECT_STR: put_text(b, o, rec); return;
	case MSGPACK_OBJECT_ARRAY: {
		const msgpack_object_array *a = &o->via.array;
		int lines = pretty && !flat_array(a);
		putc_(b, '[');
		for (uint32_t i = 0; i < a->size; i++) {
			if (i)
				put(b, lines ? "," : ", ", lines ? 1 : 2);
			if (lines)
				newline(b, depth + 1);
			put_obj(b, &a->ptr[i], depth + 1, rec, opts, as_tokens);
		}
		if (lines && a->size)
			newline(b, depth);
		putc_(b, ']');
		return;
	}
	case MSGPACK_OBJECT_MAP: {
		const msgpack_object_map *m = &o->via.map;
		putc_(b, '{');
		for (uint32_t i = 0; i < m->size; i++) {
			const msgpack_object *k = &m->ptr[i].key;
			if (k->type != MSGPACK_OBJECT_STR)
				rec_die(rec, NULL, "map key %u is %s; JSON keys must be strings", i,
					msgpack_type_name(k));
			if (i)
				put(b, pretty ? "," : ", ", pretty ? 1 : 2);
			if (pretty)
				newline(b, depth + 1);
			put_text(b, k, rec);
			put(b, ": ", 2);
			put_obj(b, &m->ptr[i].val, depth + 1, rec, opts, 0);
			if (opts->tokens && depth == 0 && k->via.str.size == 9 &&
			    memcmp(k->via.str.ptr, "input_ids", 9) == 0) {
				put(b, pretty ? "," : ", ", pretty ? 1 : 2);
				if (pretty)
					newline(b, depth + 1);
				put(b, "\"tokens\": ", 10);
				put_obj(b, &m->ptr[i].val, depth + 1, rec, opts, 1);
			}
		}
		if (pretty && m->size)
			newline(b, depth);
		putc_(b, '}');
		return;
	}
	case MSGPACK_OBJECT_BIN:
	case MSGPACK_OBJECT_EXT:
		break;
	}
	rec_die(rec, NULL, "%s has no JSON form", msgpack_type_name(o));
}

void jsonconv_record(pt_jbuf *b, const pt_record *rec, const pt_json_opts *opts)
{
	put_obj(b, rec->map, 0, rec, opts, 0);
	putc_(b, '\n');
}

/* ---- reading ---- */

struct pt_jreader {
	FILE *fp;
	int own_fp;          /* jr_close closes fp */
	char *name;
	char *line;          /* getline buffer */
	size_t line_cap;
	pt_jbuf acc;         /* text of the value being parsed */
	long lineno;         /* lines read so far */
	long first_line;     /* line number of acc's first line */
	size_t *num_off;     /* number tokens of acc, in document order */
	size_t *num_len;
	size_t nnum, num_cap, num_next;
};

pt_jreader *jr_open(const char *path)
{
	const char *name;
	FILE *fp = pt_input_open(path, &name);
	pt_jreader *r = jr_open_stream(fp, name);
	r->own_fp = fp != stdin;
	return r;
}

pt_jreader *jr_open_stream(FILE *fp, const char *name)
{
	pt_jreader *r = pt_calloc(1, sizeof *r);
	r->fp = fp;
	r->name = pt_strdup(name);
	return r;
}

void jr_close(pt_jreader *r)
{
	if (!r)
		return;
	if (r->own_fp)
		fclose(r->fp);
	free(r->name);
	free(r->line);
	jbuf_free(&r->acc);
	free(r->num_off);
	free(r->num_len);
	free(r);
}

/* Lists the number tokens of valid JSON text (outside strings), in order. */
static void scan_numbers(pt_jreader *r)
{
	const char *s = r->acc.p;
	size_t n = r->acc.n;
	r->nnum = r->num_next = 0;
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i;
			while (j < n && strchr("0123456789+-.eE", s[j]))
				j++;
			if (r->nnum == r->num_cap) {
				r->num_cap = r->num_cap ? 2 * r->num_cap : 256;
				r->num_off = pt_realloc(r->num_off, r->num_cap * sizeof *r->num_off);
				r->num_len = pt_realloc(r->num_len, r->num_cap * sizeof *r->num_len);
			}
			r->num_off[r->nnum] = i;
			r->num_len[r->nnum++] = j - i;
			i = j;
		} else {
			i++;
		}
	}
}

static void put_real(pt_jreader *r, pt_writer *w)
{
	if (r->num_next >= r->nnum)
		pt_die("%s: line %ld: internal error: number tokens out of step", r->name,
		       r->first_line);
	char text[512], rep[PYFLOAT_BUFSZ];
	size_t len = r->num_len[r->num_next], off = r->num_off[r->num_next++];
	if (len >= sizeof text)
		len = sizeof text - 1;
	memcpy(text, r->acc.p + off, len);
	text[len] = '\0';
	float f = strtof(text, NULL);
	if (isfinite(f) && pyfloat_repr_f32(f, PYFLOAT_JSON, rep) == len && memcmp(rep, text, len) == 0)
		wr_f32(w, f);
	else
		wr_f64(w, strtod(text, NULL));
}

static void put_json(pt_jreader *r, pt_writer *w, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		wr_map(w, json_object_size(v));
		json_object_foreach(v, k, x) {
			wr_key(w, k);
			put_json(r, w, x);
		}
		return;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		wr_array(w, json_array_size(v));
		json_array_foreach(v, i, x)
			put_json(r, w, x);
		return;
	}
	case JSON_STRING: wr_str(w, json_string_value(v), json_string_length(v)); return;
	case JSON_INTEGER:
		r->num_next++;
		wr_int(w, json_integer_value(v));
		return;
	case JSON_REAL: put_real(r, w); return;
	case JSON_TRUE: msgpack_pack_true(&w->pk); return;
	case JSON_FALSE: msgpack_pack_false(&w->pk); return;
	case JSON_NULL: msgpack_pack_nil(&w->pk); return;
	}
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]))
			return 0;
	return 1;
}

int jr_next(pt_jreader *r, pt_writer *w)
{
	r->acc.n = 0;
	for (;;) {
		errno = 0;
		ssize_t got = getline(&r->line, &r->line_cap, r->fp);
		if (got < 0) {
			if (ferror(r->fp))
				pt_die("%s: read error: %s", r->name, strerror(errno));
			if (r->acc.n == 0)
				return 0;
		} else {
			r->lineno++;
			if (r->acc.n == 0) {
				if (blank(r->line, (size_t)got))
					continue;
				r->first_line = r->lineno;
			}
			put(&r->acc, r->line, (size_t)got);
		}
		json_error_t err;
		json_t *v = json_loadb(r->acc.p, r->acc.n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
		if (!v) {
			/* An object spread over several lines: read on. */
			if (got >= 0 && json_error_code(&err) == json_error_premature_end_of_input)
				continue;
			pt_die("%s: line %ld, column %d: %s", r->name, r->first_line + err.line - 1,
			       err.column, err.text);
		}
		if (!json_is_object(v)) {
			json_decref(v);
			pt_die("%s: line %ld: expected a JSON object (one record), got another value",
			       r->name, r->first_line);
		}
		scan_numbers(r);
		put_json(r, w, v);
		json_decref(v);
		return 1;
	}
}
