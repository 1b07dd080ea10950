/* fuzz_jsonconv: JSON <-> msgpack (lib/jsonconv.c), json2msgpack's and
 * msgpack2json's paths, with round-trip properties.
 *
 * An input starting with '{' or white space is JSON text T:
 *   M = json2msgpack(T); then msgpack2json(M) must succeed, plain (J) and
 *   pretty (P), and json2msgpack(J) and json2msgpack(P) must give M again,
 *   byte for byte.
 * Any other input is a msgpack stream S:
 *   J = msgpack2json(S); then json2msgpack(J) must succeed unless J holds
 *   a NaN or an infinity (not JSON), an integer above int64 (a uint64,
 *   which JSON->msgpack does not read back, as jsonconv.h says), a
 *   repeated key or a key with a NUL (both refused by json2msgpack), and
 *   msgpack2json of that must give J.
 * A property that fails aborts (a crash for libFuzzer). */
#include "fuzz.h"
#include "jsonconv.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

/* Conversion results live in static buffers: heap blocks of a call that
 * fails are freed by fz_call. */
#define SBUF_CAP (8u << 20)
static char store[4][SBUF_CAP];
typedef fz_buf sbuf;

typedef struct {
	FILE *in;
	sbuf *out;
	pt_json_opts opts;
} job;

/* json2msgpack: every object of the text, as msgpack maps. */
static void to_msgpack(void *arg)
{
	job *j = arg;
	pt_jreader *r = jr_open_stream(j->in, "input");
	pt_writer w;
	fz_writer(&w, j->out);
	while (jr_next(r, &w))
		;
	jr_close(r);
}

/* msgpack2json: every record, as JSON lines. */
static void to_json(void *arg)
{
	job *j = arg;
	pt_reader *r = rec_open_stream(j->in, "input");
	pt_record rec;
	pt_jbuf b = { 0 };
	while (rec_next(r, &rec)) {
		jsonconv_record(&b, &rec, &j->opts);
		fz_buf_put(j->out, b.p, b.n);
		b.n = 0;
	}
	jbuf_free(&b);
	rec_close(r);
}

/* Runs fn from in to out (store slot); the exit status (0: converted). */
static int convert(void (*fn)(void *), const void *in, size_t n, sbuf *out, int slot,
		   const pt_json_opts *opts)
{
	fz_buf_init(out, store[slot], SBUF_CAP);
	job j = { fz_memfile(0, in, n), out, *opts };
	int status = fz_call(fn, &j);
	fclose(j.in);
	return status;
}

static void fail(const char *what, const sbuf *a, const sbuf *b)
{
	fprintf(stderr, "fuzz_jsonconv: %s (%zu vs %zu bytes); last error: %s\n", what, a->n, b->n,
		fz_last_error());
	abort();
}

static int same(const sbuf *a, const sbuf *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* json2msgpack's refusals of what msgpack2json may write (see above). */
static int excused(const sbuf *j)
{
	const char *e = fz_last_error();
	return memmem(j->p, j->n, "NaN", 3) || memmem(j->p, j->n, "Infinity", 8) ||
	       strstr(e, "too big integer") || strstr(e, "duplicate object key") ||
	       strstr(e, "NUL byte in object key");
}

/* msgpack2json --tokens with a few tokens (its output is not JSON that
 * reads back to the record, so it is only run). */
static const char *const tokens[] = { "[PAD]", NULL, "[CLS]", "[SEP]", "caf\xc3\xa9" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const pt_json_opts plain = { 0 }, pretty = { .pretty = 1 },
			   tok = { .pretty = 1, .tokens = tokens, .ntokens = 5 };
	sbuf m, j, p, m2;
	if (size && strchr("{ \t\r\n", data[0])) {
		if (convert(to_msgpack, data, size, &m, 0, &plain) != 0 || m.overflow)
			return 0;
		if (convert(to_json, m.p, m.n, &j, 1, &plain) != 0)
			fail("msgpack2json refuses what json2msgpack wrote", &m, &j);
		if (convert(to_json, m.p, m.n, &p, 2, &pretty) != 0)
			fail("msgpack2json --pretty refuses what json2msgpack wrote", &m, &p);
		if (j.overflow || p.overflow)
			return 0;
		if (convert(to_msgpack, j.p, j.n, &m2, 3, &plain) != 0)
			fail("json2msgpack refuses what msgpack2json wrote", &j, &m2);
		if (!same(&m, &m2))
			fail("json -> msgpack -> json -> msgpack changed the msgpack", &m, &m2);
		if (convert(to_msgpack, p.p, p.n, &m2, 3, &plain) != 0)
			fail("json2msgpack refuses what msgpack2json --pretty wrote", &p, &m2);
		if (!same(&m, &m2))
			fail("json -> msgpack -> pretty json -> msgpack changed the msgpack", &m, &m2);
	} else {
		if (convert(to_json, data, size, &j, 0, &plain) != 0 || j.overflow)
			return 0;
		convert(to_json, data, size, &p, 2, &tok);
		if (convert(to_msgpack, j.p, j.n, &m, 1, &plain) != 0) {
			if (excused(&j))
				return 0;
			fail("json2msgpack refuses what msgpack2json wrote", &j, &m);
		}
		if (m.overflow)
			return 0;
		if (convert(to_json, m.p, m.n, &p, 2, &plain) != 0)
			fail("msgpack2json refuses what json2msgpack wrote", &m, &p);
		if (!p.overflow && !same(&j, &p))
			fail("msgpack -> json -> msgpack -> json changed the json", &j, &p);
	}
	return 0;
}
