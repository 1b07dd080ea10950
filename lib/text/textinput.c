/* textinput: GLUE TSV, CSV and JSON Lines example readers. */
#include "text/textinput.h"
#include "options.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static const ti_task tasks[] = {
	{ "cola", "sentence", NULL, "label", "3", "1", "unacceptable,acceptable", 0, 2 },
	{ "sst2", "sentence", NULL, "label", NULL, NULL, "negative,positive", 0, 2 },
	{ "mrpc", "#1 String", "#2 String", "Quality", NULL, NULL, "not_equivalent,equivalent", 0, 2 },
	{ "qqp", "question1", "question2", "is_duplicate", NULL, NULL, "not_duplicate,duplicate", 0, 2 },
	{ "stsb", "sentence1", "sentence2", "score", NULL, NULL, NULL, 1, 0 },
	{ "mnli", "sentence1", "sentence2", "gold_label", NULL, NULL, "entailment,neutral,contradiction", 0, 3 },
	{ "qnli", "question", "sentence", "label", NULL, NULL, "entailment,not_entailment", 0, 2 },
	{ "rte", "sentence1", "sentence2", "label", NULL, NULL, "entailment,not_entailment", 0, 2 },
	{ "wnli", "sentence1", "sentence2", "label", NULL, NULL, "not_entailment,entailment", 0, 2 },
	{ "ax", "sentence1", "sentence2", "label", NULL, NULL, "entailment,neutral,contradiction", 0, 3 },
};

const ti_task *ti_task_find(const char *name)
{
	for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++)
		if (strcmp(tasks[i].name, name) == 0)
			return &tasks[i];
	return NULL;
}

static const char *const format_names[] = { "tsv", "csv", "jsonl" };

ti_format ti_format_parse(const char *name)
{
	return (ti_format)pt_opt_choice("--format", name, format_names, 3);
}

const char *ti_task_list(void) { return "cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli, ax"; }

void ti_options_from_task(ti_options *opt, const ti_task *t)
{
	if (!opt->text_a) opt->text_a = t->text_a;
	if (!opt->text_b) opt->text_b = t->text_b;
	if (!opt->label) opt->label = t->label;
	if (!opt->headerless_a) opt->headerless_a = t->headerless_a;
	if (!opt->headerless_label) opt->headerless_label = t->headerless_label;
	if (!opt->label_names) opt->label_names = t->label_names;
	opt->regression |= t->regression;
	if (!opt->num_labels) opt->num_labels = t->num_labels;
}

size_t ti_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) { i++; continue; }
		size_t len;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) len = 2;
		else if (c == 0xE0) { len = 3; lo = 0xA0; }
		else if (c == 0xED) { len = 3; hi = 0x9F; }
		else if (c >= 0xE1 && c <= 0xEF) len = 3;
		else if (c == 0xF0) { len = 4; lo = 0x90; }
		else if (c >= 0xF1 && c <= 0xF3) len = 4;
		else if (c == 0xF4) { len = 4; hi = 0x8F; }
		else return i + 1;
		if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
			return i + 1;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i + 1;
		i += len;
	}
	return 0;
}

struct ti_reader {
	FILE *fp;
	const char *name;
	ti_options opt;
	char *line;
	size_t cap;
	size_t len;
	long lineno, rec_line;
	long idx;
	int pending;             /* the current line is data not yet returned */
	/* TSV / CSV */
	size_t *foff, *flen;     /* fields as offsets into buf */
	size_t nfields, fcap, expect;
	char *buf;               /* CSV: unquoted record; TSV: == line */
	size_t bufcap;
	char **header;
	size_t nheader;
	long col_a, col_b, col_label;
	const char *key_a, *key_b, *key_label;  /* names for messages */
	/* label names */
	char *lnbuf;
	const char *lnames[64];
	size_t nlnames;
	/* JSONL */
	json_t *cur;
	const ti_task *detected;
};

/* Reads one line without its \n (and \r). Returns 0 at end of input. */
static int read_line(ti_reader *r)
{
	errno = 0;
	ssize_t n = getline(&r->line, &r->cap, r->fp);
	if (n < 0) {
		if (errno == ENOMEM)   /* a line longer than memory: not the end of the input */
			pt_die("%s: line %ld: out of memory", r->name, r->lineno + 1);
		if (ferror(r->fp))
			pt_die("%s: read error", r->name);
		return 0;
	}
	r->lineno++;
	if (n > 0 && r->line[n - 1] == '\n')
		n--;
	if (n > 0 && r->line[n - 1] == '\r')
		n--;
	r->line[n] = '\0';
	r->len = (size_t)n;
	if (r->lineno == 1 && r->len >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
		memmove(r->line, r->line + 3, r->len - 3 + 1);
		r->len -= 3;
	}
	return 1;
}

static void check_utf8_line(ti_reader *r)
{
	size_t bad = ti_utf8_check(r->line, r->len);
	if (!bad)
		return;
	if (r->opt.format == TI_TSV) {
		size_t field = 0;
		for (size_t i = 0; i + 1 < bad; i++)
			field += r->line[i] == '\t';
		if (field < r->nheader)
			pt_die("%s: line %ld, column %zu (field '%s'): invalid UTF-8", r->name, r->lineno, bad,
			       r->header[field]);
		pt_die("%s: line %ld, column %zu (field %zu): invalid UTF-8", r->name, r->lineno, bad, field);
	}
	pt_die("%s: line %ld, column %zu: invalid UTF-8", r->name, r->lineno, bad);
}

static void add_field(ti_reader *r, size_t off, size_t len)
{
	if (r->nfields == r->fcap) {
		r->fcap = r->fcap ? r->fcap * 2 : 16;
		r->foff = pt_realloc(r->foff, r->fcap * sizeof *r->foff);
		r->flen = pt_realloc(r->flen, r->fcap * sizeof *r->flen);
	}
	r->foff[r->nfields] = off;
	r->flen[r->nfields] = len;
	r->nfields++;
}

static void split_tsv(ti_reader *r)
{
	r->nfields = 0;
	r->buf = r->line;
	size_t start = 0;
	for (;;) {
		const char *tab = memchr(r->line + start, '\t', r->len - start);
		size_t end = tab ? (size_t)(tab - r->line) : r->len;
		add_field(r, start, end - start);
		if (!tab)
			break;
		start = end + 1;
	}
}

static void buf_put(ti_reader *r, size_t *n, char c)
{
	if (*n + 1 >= r->bufcap) {
		r->bufcap = r->bufcap ? r->bufcap * 2 : 1024;
		r->buf = pt_realloc(r->buf, r->bufcap);
	}
	r->buf[(*n)++] = c;
}

/* RFC 4180: fields separated by commas, "quoted" fields may hold commas,
 * "" and line breaks. The record may continue on the following lines. */
static void split_csv(ti_reader *r)
{
	r->nfields = 0;
	r->rec_line = r->lineno;
	size_t n = 0, i = 0, start = 0;
	int quoted = 0, was_quoted = 0;
	for (;;) {
		check_utf8_line(r);
		for (; i < r->len; i++) {
			char c = r->line[i];
			if (quoted) {
				if (c == '"') {
					if (i + 1 < r->len && r->line[i + 1] == '"') {
						buf_put(r, &n, '"');
						i++;
					} else {
						quoted = 0;
					}
				} else {
					buf_put(r, &n, c);
				}
			} else if (c == ',') {
				add_field(r, start, n - start);
				start = n;
				was_quoted = 0;
			} else if (c == '"' && n == start && !was_quoted) {
				quoted = was_quoted = 1;
			} else if (c == '"') {
				pt_die("%s: line %ld: field %zu: a quote inside an unquoted field (RFC 4180 needs the field quoted and the quote doubled)",
				       r->name, r->lineno, r->nfields);
			} else {
				buf_put(r, &n, c);
			}
		}
		if (!quoted)
			break;
		buf_put(r, &n, '\n');
		if (!read_line(r))
			pt_die("%s: line %ld: end of input inside a quoted field", r->name, r->rec_line);
		i = 0;
	}
	add_field(r, start, n - start);
	buf_put(r, &n, '\0');
}

static void split(ti_reader *r)
{
	if (r->opt.format == TI_CSV) {
		split_csv(r);
	} else {
		check_utf8_line(r);
		split_tsv(r);
	}
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The column of key: a header name, else a 0-based number. -1: none. */
static long find_column(ti_reader *r, const char *key)
{
	if (!key)
		return -1;
	for (size_t i = 0; i < r->nheader; i++)
		if (strcmp(r->header[i], key) == 0)
			return (long)i;
	if (is_number(key)) {
		long v = strtol(key, NULL, 10);
		if ((size_t)v >= r->expect)
			pt_die("%s: column %ld does not exist: the input has %zu columns", r->name, v, r->expect);
		return v;
	}
	return -1;
}

static int field_is(const ti_reader *r, size_t i, const char *s)
{
	return i < r->nfields && r->flen[i] == strlen(s) && memcmp(r->buf + r->foff[i], s, r->flen[i]) == 0;
}

static int has_field(const ti_reader *r, const char *s)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (field_is(r, i, s))
			return 1;
	return 0;
}

/* The task of the first line (split into fields); "rte" stands for rte,
 * wnli and ax until resolve_rte_like has seen a label. */
static const ti_task *detect_task(ti_reader *r)
{
	const char *ask = NULL, *pick = NULL;
	if (has_field(r, "#1 String") && has_field(r, "#2 String"))
		pick = "mrpc";
	else if (has_field(r, "question1") && has_field(r, "question2"))
		pick = "qqp";
	else if (has_field(r, "promptID") || has_field(r, "gold_label"))
		pick = "mnli";
	else if (has_field(r, "filename") && has_field(r, "sentence1"))
		pick = "stsb";
	else if (has_field(r, "question") && has_field(r, "sentence"))
		pick = "qnli";
	else if (has_field(r, "sentence1") && has_field(r, "sentence2"))
		pick = has_field(r, "label") ? "rte" : NULL, ask = "rte, wnli and ax (unlabelled test files)";
	else if (r->nfields == 2 && field_is(r, 0, "sentence") && field_is(r, 1, "label"))
		pick = "sst2";
	else if (r->nfields == 2 && field_is(r, 0, "index") && field_is(r, 1, "sentence"))
		ask = "sst2 and cola (unlabelled test files)";
	else if (r->nfields == 4 && (field_is(r, 1, "0") || field_is(r, 1, "1")) &&
		 (field_is(r, 2, "") || field_is(r, 2, "*")))
		pick = "cola";
	if (pick)
		return ti_task_find(pick);
	if (ask)
		pt_die("%s: line 1: these columns fit %s alike: give --task", r->name, ask);
	pt_die("%s: line 1: not the header of a GLUE task's file: give --task TASK, or name the columns "
	       "with --text-a (--text-b, --label)", r->name);
}

/* rte, wnli and ax share their columns: the first data line's label tells
 * them apart. Reads that line, leaving it pending. */
static void resolve_rte_like(ti_reader *r)
{
	if (!read_line(r))
		pt_die("%s: no example after the header, so no label to tell rte, wnli and ax apart: give --task",
		       r->name);
	split_tsv(r);
	r->pending = 1;
	const char *pick = NULL;
	if (r->col_label >= 0 && (size_t)r->col_label < r->nfields) {
		if (field_is(r, (size_t)r->col_label, "entailment") || field_is(r, (size_t)r->col_label, "not_entailment"))
			pick = "rte";
		else if (field_is(r, (size_t)r->col_label, "neutral") || field_is(r, (size_t)r->col_label, "contradiction"))
			pick = "ax";
		else if (field_is(r, (size_t)r->col_label, "0") || field_is(r, (size_t)r->col_label, "1"))
			pick = "wnli";
	}
	if (!pick)
		pt_die("%s: line %ld: cannot tell rte, wnli and ax apart from this label: give --task", r->name,
		       r->lineno);
	r->detected = ti_task_find(pick);
	r->opt.label_names = r->detected->label_names;
}

static void read_header(ti_reader *r)
{
	if (!read_line(r)) {
		if (r->opt.detect_task && !r->opt.text_a)
			pt_die("%s: empty input: no header to recognise the task from: give --task", r->name);
		return;  /* empty input: no examples */
	}
	if (r->opt.format == TI_TSV)
		split_tsv(r);
	else
		split_csv(r);
	r->expect = r->nfields;
	if (r->opt.detect_task && !r->opt.text_a) {
		r->detected = detect_task(r);
		ti_options_from_task(&r->opt, r->detected);
	}
	int headerless = r->opt.no_header ||
		(r->opt.format == TI_TSV && r->opt.headerless_a &&
		 !(r->nfields > 0 && r->flen[0] == 5 && memcmp(r->buf + r->foff[0], "index", 5) == 0));
	if (headerless) {
		const char *a = r->opt.no_header ? r->opt.text_a : r->opt.headerless_a;
		const char *lab = r->opt.no_header ? r->opt.label : r->opt.headerless_label;
		const char *b = r->opt.no_header ? r->opt.text_b : NULL;
		if (!is_number(a) || (lab && !is_number(lab)) || (b && !is_number(b)))
			pt_die("%s: the input has no header: columns must be given as 0-based numbers", r->name);
		r->col_a = find_column(r, a);
		r->col_b = find_column(r, b);
		r->col_label = find_column(r, lab);
		r->key_a = a; r->key_b = b; r->key_label = lab;
		r->pending = 1;
		return;
	}
	check_utf8_line(r);
	r->nheader = r->nfields;
	r->header = pt_malloc(r->nheader * sizeof *r->header);
	for (size_t i = 0; i < r->nheader; i++) {
		r->header[i] = pt_malloc(r->flen[i] + 1);
		memcpy(r->header[i], r->buf + r->foff[i], r->flen[i]);
		r->header[i][r->flen[i]] = '\0';
	}
	r->col_a = find_column(r, r->opt.text_a);
	if (r->col_a < 0)
		pt_die("%s: line %ld: no column '%s' in the header", r->name, r->lineno, r->opt.text_a);
	r->col_b = find_column(r, r->opt.text_b);
	if (r->opt.text_b && r->col_b < 0)
		pt_die("%s: line %ld: no column '%s' in the header", r->name, r->lineno, r->opt.text_b);
	r->col_label = find_column(r, r->opt.label);  /* absent: a test file */
	r->key_a = r->opt.text_a; r->key_b = r->opt.text_b; r->key_label = r->opt.label;
	if (r->detected && strcmp(r->detected->name, "rte") == 0)
		resolve_rte_like(r);
}

const ti_task *ti_task_detected(const ti_reader *r)
{
	return r->detected;
}

static void parse_label_names(ti_reader *r)
{
	if (!r->opt.label_names)
		return;
	r->lnbuf = pt_strdup(r->opt.label_names);
	for (char *p = r->lnbuf;;) {
		if (r->nlnames == sizeof r->lnames / sizeof *r->lnames)
			pt_die("too many label names (at most 64)");
		r->lnames[r->nlnames++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
}

ti_reader *ti_open(FILE *fp, const char *name, const ti_options *opt)
{
	ti_reader *r = pt_calloc(1, sizeof *r);
	r->fp = fp;
	r->name = name;
	r->opt = *opt;
	r->col_a = r->col_b = r->col_label = -1;
	if (!opt->text_a && !(opt->detect_task && opt->format == TI_TSV))
		pt_die("no text column given");
	if (opt->format != TI_JSONL)
		read_header(r);
	parse_label_names(r);
	return r;
}

/* An integer label must be one of the classes when their number is known
 * (--label-names, or the task's): MRPC's label 7 is a broken file. */
static void check_label(const ti_reader *r, const ti_example *ex, const char *where)
{
	int64_t n = r->nlnames ? (int64_t)r->nlnames : r->opt.num_labels;
	if (n > 0 && (ex->label < 0 || ex->label >= n))
		pt_die("%s: %s: field '%s': label %lld is outside [0, %lld) (%lld classes)", r->name, where,
		       r->key_label, (long long)ex->label, (long long)n, (long long)n);
}

/* Sets the label of ex from the string s (n bytes; NUL-terminated). */
static void set_label(ti_reader *r, ti_example *ex, const char *s, size_t n, const char *where)
{
	ex->has_label = 0;
	if (n == 0)
		return;
	if (r->opt.regression) {
		double d;
		if (pt_parse_double(s, &d) != 0)
			pt_die("%s: %s: field '%s': expected a number, got '%s'", r->name, where, r->key_label, s);
		ex->flabel = (float)d;
		ex->has_label = 1;
		return;
	}
	for (size_t i = 0; i < r->nlnames; i++) {
		if (strlen(r->lnames[i]) == n && memcmp(r->lnames[i], s, n) == 0) {
			ex->label = (int64_t)i;
			ex->has_label = 1;
			return;
		}
	}
	long v;
	if (pt_parse_long(s, &v) == 0) {
		ex->label = v;
		ex->has_label = 1;
		check_label(r, ex, where);
		return;
	}
	if (r->nlnames)
		pt_die("%s: %s: field '%s': label '%s' is not one of %s", r->name, where, r->key_label, s,
		       r->opt.label_names);
	pt_die("%s: %s: field '%s': expected an integer label, got '%s' (use --label-names for string labels)",
	       r->name, where, r->key_label, s);
}

static int next_delimited(ti_reader *r, ti_example *ex)
{
	if (r->pending) {
		r->pending = 0;
		check_utf8_line(r);
	} else {
		if (!read_line(r))
			return 0;
		split(r);
	}
	long line = r->opt.format == TI_CSV ? r->rec_line : r->lineno;
	if (r->nfields != r->expect)
		pt_die("%s: line %ld: expected %zu %s fields, got %zu", r->name, line, r->expect,
		       r->opt.format == TI_CSV ? "comma-separated" : "tab-separated", r->nfields);
	char where[48];
	snprintf(where, sizeof where, "line %ld", line);
	ex->idx = r->idx++;
	ex->a = r->buf + r->foff[r->col_a];
	ex->alen = r->flen[r->col_a];
	ex->b = NULL;
	ex->blen = 0;
	if (r->col_b >= 0 && !(r->opt.format == TI_CSV && r->flen[r->col_b] == 0)) {
		ex->b = r->buf + r->foff[r->col_b];
		ex->blen = r->flen[r->col_b];
	}
	ex->has_label = 0;
	if (r->col_label >= 0) {
		char *s = r->buf + r->foff[r->col_label];
		size_t n = r->flen[r->col_label];
		char save = s[n];
		s[n] = '\0';
		set_label(r, ex, s, n, where);
		s[n] = save;
	}
	return 1;
}

static int next_jsonl(ti_reader *r, ti_example *ex)
{
	do {
		if (!read_line(r))
			return 0;
	} while (r->len == 0);
	check_utf8_line(r);
	json_decref(r->cur);
	json_error_t err;
	r->cur = json_loadb(r->line, r->len, JSON_ALLOW_NUL, &err);
	if (!r->cur)
		pt_die("%s: line %ld, column %d: invalid JSON: %s", r->name, r->lineno, err.column, err.text);
	if (!json_is_object(r->cur))
		pt_die("%s: line %ld: expected a JSON object", r->name, r->lineno);
	r->key_label = r->opt.label;
	char where[48];
	snprintf(where, sizeof where, "line %ld", r->lineno);
	json_t *a = json_object_get(r->cur, r->opt.text_a);
	if (!json_is_string(a))
		pt_die("%s: line %ld: field '%s': expected a string, got %s", r->name, r->lineno, r->opt.text_a,
		       a ? "another JSON type" : "nothing");
	ex->idx = r->idx++;
	ex->a = json_string_value(a);
	ex->alen = json_string_length(a);
	ex->b = NULL;
	ex->blen = 0;
	json_t *b = r->opt.text_b ? json_object_get(r->cur, r->opt.text_b) : NULL;
	if (b && !json_is_null(b)) {
		if (!json_is_string(b))
			pt_die("%s: line %ld: field '%s': expected a string or null", r->name, r->lineno, r->opt.text_b);
		ex->b = json_string_value(b);
		ex->blen = json_string_length(b);
	}
	ex->has_label = 0;
	json_t *l = r->opt.label ? json_object_get(r->cur, r->opt.label) : NULL;
	if (!l || json_is_null(l))
		return 1;
	if (json_is_string(l)) {
		set_label(r, ex, json_string_value(l), json_string_length(l), where);
	} else if (json_is_integer(l)) {
		ex->has_label = 1;
		ex->label = json_integer_value(l);
		ex->flabel = (float)ex->label;
		if (!r->opt.regression)
			check_label(r, ex, where);
	} else if (json_is_real(l) && r->opt.regression) {
		ex->has_label = 1;
		ex->flabel = (float)json_real_value(l);
	} else {
		pt_die("%s: line %ld: field '%s': expected %s", r->name, r->lineno, r->opt.label,
		       r->opt.regression ? "a number" : "an integer or a string label");
	}
	return 1;
}

int ti_next(ti_reader *r, ti_example *ex)
{
	return r->opt.format == TI_JSONL ? next_jsonl(r, ex) : next_delimited(r, ex);
}

void ti_close(ti_reader *r)
{
	if (!r)
		return;
	free(r->line);
	if (r->buf != r->line)
		free(r->buf);
	free(r->foff);
	free(r->flen);
	for (size_t i = 0; i < r->nheader; i++)
		free(r->header[i]);
	free(r->header);
	free(r->lnbuf);
	json_decref(r->cur);
	free(r);
}
