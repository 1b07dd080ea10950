#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *pt_progname = "pipetune";

static char *out_path;     /* final name, when writing a file */
static char *out_tmp;      /* temporary name while writing */
static FILE *out_fp;
static void (*die_hook)(void);
static pt_error_handler error_handler;
static int stdout_reported;   /* a write error on stdout was said already */

void pt_set_die_hook(void (*hook)(void))
{
	die_hook = hook;
}

void pt_set_error_handler(pt_error_handler handler)
{
	error_handler = handler;
}

static void remove_tmp(void)
{
	if (out_tmp) {
		unlink(out_tmp);
		free(out_tmp);
		out_tmp = NULL;
	}
}

/* At exit: a partial -o file is removed; stdout must flush cleanly. */
static void at_exit_check(void)
{
	remove_tmp();
	if (stdout_reported)
		return;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* avoid recursion through pt_die/exit */
		fprintf(stderr, "%s: error writing standard output: %s\n", pt_progname, strerror(errno));
		_exit(1);
	}
}

void pt_init(const char *argv0)
{
	if (argv0) {
		const char *s = strrchr(argv0, '/');
		pt_progname = s ? s + 1 : argv0;
	}
	/* A closed pipe is reported as a write error, not a silent SIGPIPE death,
	 * except that `tool | head` should stay quiet: keep default SIGPIPE. */
	atexit(at_exit_check);
}

void pt_warn(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", pt_progname, buf);
}

/* The end of pt_die and pt_usage_error: the handler when one is set, else
 * the message on stderr and exit(status). */
static _Noreturn void fail(int status, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof buf, fmt, ap);
	remove_tmp();
	if (error_handler)
		error_handler(status, buf);
	fprintf(stderr, "%s: %s\n", pt_progname, buf);
	if (status == 2)
		fprintf(stderr, "Try '%s --help' for more information.\n", pt_progname);
	else if (die_hook)
		die_hook();
	exit(status);
}

void pt_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail(1, fmt, ap);
}

void pt_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail(2, fmt, ap);
}

void *pt_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		pt_die("out of memory (%zu bytes)", n);
	return p;
}

void *pt_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		pt_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *pt_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		pt_die("out of memory (%zu bytes)", n);
	return p;
}

size_t pt_mul_size(size_t a, size_t b, const char *what)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		pt_die("%s: too large (size overflow: %zu x %zu)", what, a, b);
	return r;
}

size_t pt_add_size(size_t a, size_t b, const char *what)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		pt_die("%s: too large (size overflow: %zu + %zu)", what, a, b);
	return r;
}

char *pt_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(pt_malloc(n), s, n);
}

FILE *pt_input_open(const char *path, const char **name)
{
	*name = "<stdin>";
	if (!path || strcmp(path, "-") == 0)
		return stdin;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		pt_die("%s: cannot open: %s", path, strerror(errno));
	*name = path;
	return fp;
}

FILE *pt_output_open(const char *path)
{
	if (!path || strcmp(path, "-") == 0) {
		out_fp = stdout;
		return out_fp;
	}
	out_path = pt_strdup(path);
	size_t n = strlen(path) + 32;
	out_tmp = pt_malloc(n);
	snprintf(out_tmp, n, "%s.tmp.%ld", path, (long)getpid());
	out_fp = fopen(out_tmp, "wb");
	if (!out_fp) {
		int e = errno;
		free(out_tmp);
		out_tmp = NULL;
		pt_die("%s: cannot create: %s", path, strerror(e));
	}
	return out_fp;
}

/* pt_output_open_held's bytes for standard output, until the commit */
static char *held;
static size_t held_len;
static int holding;

FILE *pt_output_open_held(const char *path)
{
	if (path && strcmp(path, "-") != 0)
		return pt_output_open(path);
	out_fp = open_memstream(&held, &held_len);
	if (!out_fp)
		pt_die("out of memory");
	holding = 1;
	return out_fp;
}

void pt_output_commit(void)
{
	if (!out_fp)
		return;
	if (holding) {
		if (fclose(out_fp) != 0)   /* sets held and held_len */
			pt_die("out of memory");
		holding = 0;
		out_fp = stdout;
		fwrite(held, 1, held_len, stdout);
		free(held);
		held = NULL;
	}
	if (out_fp == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			stdout_reported = 1;   /* once: not again at exit */
			pt_die("error writing standard output: %s", strerror(errno));
		}
		return;
	}
	if (fflush(out_fp) != 0 || ferror(out_fp) || fsync(fileno(out_fp)) != 0)
		pt_die("%s: write error: %s", out_path, strerror(errno));
	if (fclose(out_fp) != 0)
		pt_die("%s: write error: %s", out_path, strerror(errno));
	out_fp = NULL;
	if (rename(out_tmp, out_path) != 0)
		pt_die("%s: cannot rename into place: %s", out_path, strerror(errno));
	free(out_tmp);
	out_tmp = NULL;
	free(out_path);
	out_path = NULL;
}

int pt_write_file_atomic(const char *path, const void *data, size_t n)
{
	size_t len = strlen(path) + 32;
	char *tmp = pt_malloc(len);
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}

FILE *pt_memfile_open(pt_memfile *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f)
		pt_die("out of memory");
	return m->f;
}

void pt_memfile_commit(pt_memfile *m, const char *path)
{
	fclose(m->f);   /* sets buf and len */
	if (pt_write_file_atomic(path, m->buf, m->len) != 0)
		pt_die("%s: cannot write: %s", path, strerror(errno));
	free(m->buf);
	m->f = NULL;
	m->buf = NULL;
}

char *pt_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = pt_malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *pt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = pt_malloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = pt_realloc(buf, cap *= 2);
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int pt_parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int pt_parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int pt_exe_dir(char *dir, size_t n)
{
	if (n < 2)
		return 0;
	ssize_t k = readlink("/proc/self/exe", dir, n - 1);
	if (k <= 0)
		return 0;
	dir[k] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return 1;
}

void pt_refuse_tty(FILE *fp)
{
	if (isatty(fileno(fp)))
		pt_die("binary records not written to a terminal: redirect them to a file (-o FILE or > FILE), "
		       "pipe them into the next tool, or into msgpack2json to look at them");
}

double pt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
