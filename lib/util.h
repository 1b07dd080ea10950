/* util: error reporting, checked allocation, atomic output files.
 *
 * Conventions shared by every tool:
 *  - diagnostics go to stderr as one line "PROG: message";
 *  - pt_die() exits 1 (bad input, I/O), pt_usage_error() exits 2;
 *  - an output file named with -o is written to "FILE.tmp.PID" and renamed
 *    over FILE only by pt_output_commit(), so a failed run leaves nothing
 *    half-written; pt_die() removes the temporary file. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

extern const char *pt_progname;

/* Sets pt_progname from argv[0] (basename) and registers the exit-time
 * check that stdout was written completely. Call first thing in main(). */
void pt_init(const char *argv0);

void pt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void pt_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "PROG: message" and "Try 'PROG --help'." and exits 2. */
_Noreturn void pt_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Registers a function that pt_die() calls just before exiting (after the
 * message and the clean-up), e.g. MPI_Abort so one failing rank ends the
 * whole job; NULL removes it. */
void pt_set_die_hook(void (*hook)(void));

/* Catching errors, for a program that runs many inputs in one process (the
 * fuzzing harnesses, tests/fuzz/). With a handler set, pt_die() and
 * pt_usage_error() do not print or exit: they remove the temporary output
 * file and call handler(status, message), status being the exit status
 * they would have used (1, or 2 for a usage error) and message the line
 * they would have printed, without "PROG: " and newline. The handler must
 * not return (it longjmps to where the caller armed it); if it does, the
 * error is printed and the process exits as without a handler. Whatever
 * the failing call was building is then in an unspecified state: the
 * catcher uses none of it and frees what was allocated since it armed the
 * handler (tests/fuzz/fuzz.c tracks the allocations to do so). The die hook
 * is not called. NULL restores printing and exiting. */
typedef void (*pt_error_handler)(int status, const char *msg);
void pt_set_error_handler(pt_error_handler handler);

void *pt_malloc(size_t n);             /* never NULL: dies on failure */
void *pt_calloc(size_t n, size_t size);
void *pt_realloc(void *p, size_t n);
char *pt_strdup(const char *s);

/* Checked size arithmetic for every size computed from a file or a
 * request (element counts, byte counts, buffer offsets): a * b and a + b,
 * or pt_die("WHAT: too large (size overflow)") when the result does not
 * fit a size_t. what names the quantity for the message. */
size_t pt_mul_size(size_t a, size_t b, const char *what);
size_t pt_add_size(size_t a, size_t b, const char *what);

/* Opens an input for reading: stdin when path is NULL or "-" (*name
 * "<stdin>"), otherwise the file (*name path); dies with "PATH: cannot
 * open: why". The caller closes it unless it is stdin. */
FILE *pt_input_open(const char *path, const char **name);

/* Opens the output: stdout when path is NULL or "-", otherwise a temporary
 * file beside path. At most one output file per process. */
FILE *pt_output_open(const char *path);
/* As pt_output_open, but standard output too gets nothing before
 * pt_output_commit: the bytes are held in memory until then, so input
 * found bad midway leaves no partial output on a pipe either. */
FILE *pt_output_open_held(const char *path);
/* Flushes and checks the output (writing out held bytes); for a file,
 * fsyncs and renames it into place. Dies on any write error (full disk,
 * closed pipe). */
void pt_output_commit(void);

/* Atomically replaces path with the n bytes at data (temp file, fsync,
 * rename). Returns 0, or -1 with errno set and nothing left behind. */
int pt_write_file_atomic(const char *path, const void *data, size_t n);

/* A small file composed in memory, then written whole: pt_memfile_open
 * returns a stream to print into (dies when out of memory);
 * pt_memfile_commit closes it and writes its bytes to path with
 * pt_write_file_atomic, then frees them. Dies on a write error. */
typedef struct {
	FILE *f;
	char *buf;
	size_t len;
} pt_memfile;
FILE *pt_memfile_open(pt_memfile *m);
void pt_memfile_commit(pt_memfile *m, const char *path);

/* "dir/name" in a new buffer (free() it). */
char *pt_path_join(const char *dir, const char *name);

/* Reads a whole (small) file into a NUL-terminated buffer; NULL on error
 * with errno set. *len gets the size when len is not NULL. */
char *pt_read_file(const char *path, size_t *len);

/* Parses a whole string as a number; returns 0 on success, -1 otherwise. */
int pt_parse_long(const char *s, long *out);
int pt_parse_double(const char *s, double *out);

/* The running executable's folder (from /proc/self/exe) into dir, without
 * a trailing slash. Returns 1, or 0 when it cannot be known. */
int pt_exe_dir(char *dir, size_t n);

/* Refuses, as gzip does, to write a binary record stream to a terminal:
 * when fp is a terminal, dies (exit 1) saying so and how to redirect it. */
void pt_refuse_tty(FILE *fp);

/* Monotonic seconds, for timing and progress. */
double pt_now(void);

#endif
