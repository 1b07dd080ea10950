/* fuzz: what the harnesses (tests/fuzz/fuzz_*.c) share.
 *
 * A harness defines LLVMFuzzerTestOneInput and, in it, runs the library on
 * one input through fz_call(). The library reports bad input with pt_die(),
 * which in a tool prints a line and exits; here pt_set_error_handler()
 * turns it into a longjmp back to fz_call, which then frees what the input
 * left behind: every heap block allocated during the call (tracked by the
 * sanitizer allocator's malloc/free hooks, so the blocks that jansson,
 * msgpack-c and utf8proc allocate count too), every file descriptor opened
 * and every mapping made (the harness is linked with -Wl,--wrap for open,
 * close, mmap and munmap). A call that returns normally must have freed
 * everything itself: fz_call frees nothing then, and LeakSanitizer reports
 * what is left. So one process runs millions of inputs.
 *
 * Rules for a harness: allocate nothing inside fz_call that outlives it;
 * give the library FILEs from fz_memfile (opened outside, buffered in
 * static memory, so that stdio allocates nothing inside the call). */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"

/* Runs fn(arg) with errors caught. Returns 0 when fn returned, or the exit
 * status pt_die/pt_usage_error would have used (1 or 2) after freeing what
 * fn had allocated. The message is in fz_last_error(); FUZZ_VERBOSE=1 in
 * the environment prints it. */
int fz_call(void (*fn)(void *), void *arg);
const char *fz_last_error(void);

/* A read-only stream over data[0..size) (the harness keeps data alive),
 * with its buffer in static memory; slot 0 or 1 (two streams at once).
 * Close with fclose outside fz_call. */
FILE *fz_memfile(int slot, const void *data, size_t size);
/* A write stream to /dev/null with a static buffer (opened once). */
FILE *fz_null_out(void);

/* A private temporary folder for the process (created once, removed at
 * exit), and writing one file in it: returns the path (static storage,
 * one per name slot 0..3). Dies (abort) on an I/O error. */
const char *fz_tmpdir(void);
const char *fz_write_file(int slot, const char *name, const void *data, size_t size);
/* Removes every file fz_write_file wrote in the folder. */
void fz_clear_dir(void);

/* A bounded output buffer over static storage (heap blocks of a call that
 * fails are freed by fz_call, so results that outlive it are kept here):
 * writes past cap are dropped and set overflow. */
typedef struct {
	char *p;
	size_t n, cap;
	int overflow;
} fz_buf;
void fz_buf_init(fz_buf *b, char *store, size_t cap);
void fz_buf_put(fz_buf *b, const void *s, size_t n);
/* A record writer (wr_*) that appends to b. */
void fz_writer(pt_writer *w, fz_buf *b);

/* Splits data at the first occurrence of the separator "\n----\n": the
 * part before in *a, the rest in *b; when there is none, all of data in *a
 * and *b is empty. Harnesses that take several files use it. */
void fz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *alen,
	      const uint8_t **b, size_t *blen);

#endif
