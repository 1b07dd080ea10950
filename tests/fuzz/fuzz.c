/* fuzz: error catching and resource tracking for the harnesses (fuzz.h). */
#include "fuzz.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sanitizer allocator's hook interface (sanitizer/allocator_interface.h,
 * which GCC does not install): the hooks run inside every malloc and free
 * of the process, whatever library calls them. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

/* ASan's defaults for the harnesses (ASAN_OPTIONS adds to them): an
 * allocation over 1 GiB fails with NULL, as it would on a machine without
 * that memory, instead of ending the run. A 60-byte msgpack stream can
 * claim an array of 2^32 elements, and msgpack-c allocates the elements
 * before reading them: the library must then die cleanly ("out of
 * memory"), which the harness catches like any other error. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

/* Tracking is on only inside fz_call, and only for its thread. */
static _Thread_local int armed;

/* ---- heap blocks: a dense array of live blocks plus an open-addressing
 * index (pointer -> position + 1). The hooks must not allocate: both live
 * in anonymous mappings, grown (doubled) when the array is full. ---- */
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

static void **blocks;        /* [cap] */
static uint32_t nblocks, cap;
static uint32_t *slot_of;    /* [2 * cap]: position + 1; 0: empty */
static uint32_t hmask, hshift;
#define NONE UINT32_MAX

static void track_fail(const char *what)
{
	armed = 0;
	fprintf(stderr, "fuzz harness: %s\n", what);
	abort();
}

static void *map_zeroed(size_t n)
{
	void *p = __real_mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		track_fail("cannot map the allocation tracker");
	return p;
}

static uint32_t hash_ptr(const volatile void *p)
{
	return (uint32_t)(((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull) >> hshift);
}

static void index_put(uint32_t pos)
{
	uint32_t h = hash_ptr(blocks[pos]);
	while (slot_of[h])
		h = (h + 1) & hmask;
	slot_of[h] = pos + 1;
}

/* Doubles the array and rebuilds the index (2 slots per block). */
static void grow(void)
{
	uint32_t ncap = cap ? 2 * cap : 1u << 16;
	if (ncap > 1u << 30)
		track_fail("more than 2^30 live heap blocks in one input");
	void **nb = map_zeroed(ncap * sizeof *nb);
	if (nblocks)
		memcpy(nb, blocks, nblocks * sizeof *nb);
	if (blocks) {
		__real_munmap(blocks, cap * sizeof *blocks);
		__real_munmap(slot_of, 2 * (size_t)cap * sizeof *slot_of);
	}
	blocks = nb;
	cap = ncap;
	slot_of = map_zeroed(2 * (size_t)cap * sizeof *slot_of);
	hmask = 2 * cap - 1;
	hshift = 64 - (uint32_t)__builtin_ctz(2 * cap);
	for (uint32_t i = 0; i < nblocks; i++)
		index_put(i);
}

static void on_malloc(const volatile void *p, size_t size)
{
	(void)size;
	if (!armed || !p)
		return;
	if (nblocks == cap)
		grow();
	blocks[nblocks] = (void *)(uintptr_t)p;
	index_put(nblocks++);
}

/* The index slot of p, or NONE when p is not tracked. */
static uint32_t find(const void *p)
{
	for (uint32_t h = hash_ptr(p);; h = (h + 1) & hmask) {
		if (!slot_of[h])
			return NONE;
		if (blocks[slot_of[h] - 1] == p)
			return h;
	}
}

/* Removes index slot h (backward-shift deletion keeps probe chains whole). */
static void drop_slot(uint32_t h)
{
	uint32_t hole = h;
	for (uint32_t j = (h + 1) & hmask; slot_of[j]; j = (j + 1) & hmask) {
		uint32_t home = hash_ptr(blocks[slot_of[j] - 1]);
		/* j's entry may fill the hole if its home is not in (hole, j] cyclically */
		if (((j - home) & hmask) >= ((j - hole) & hmask)) {
			slot_of[hole] = slot_of[j];
			hole = j;
		}
	}
	slot_of[hole] = 0;
}

static void on_free(const volatile void *p)
{
	if (!armed || !p || !nblocks)
		return;
	uint32_t h = find((const void *)(uintptr_t)p);
	if (h == NONE)
		return;    /* allocated before fz_call */
	uint32_t pos = slot_of[h] - 1;
	drop_slot(h);
	nblocks--;
	if (pos != nblocks) {   /* the last block moves into the freed position */
		blocks[pos] = blocks[nblocks];
		slot_of[find(blocks[pos])] = pos + 1;
	}
}

/* ---- descriptors and mappings, through the linker's --wrap ---- */
#define RES_MAX 256
static int fds[RES_MAX], nfds;
static struct { void *addr; size_t len; } maps[RES_MAX];
static int nmaps;

int __real_open(const char *path, int flags, ...);
int __real_close(int fd);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	int fd = __real_open(path, flags, mode);
	if (armed && fd >= 0) {
		if (nfds == RES_MAX)
			track_fail("too many open descriptors in one input");
		fds[nfds++] = fd;
	}
	return fd;
}

int __wrap_close(int fd)
{
	for (int i = 0; armed && i < nfds; i++)
		if (fds[i] == fd) {
			fds[i] = fds[--nfds];
			break;
		}
	return __real_close(fd);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = __real_mmap(addr, len, prot, flags, fd, off);
	if (armed && p != MAP_FAILED) {
		if (nmaps == RES_MAX)
			track_fail("too many mappings in one input");
		maps[nmaps].addr = p;
		maps[nmaps++].len = len;
	}
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	for (int i = 0; armed && i < nmaps; i++)
		if (maps[i].addr == addr) {
			maps[i] = maps[--nmaps];
			break;
		}
	return __real_munmap(addr, len);
}

/* ---- catching pt_die ---- */
static jmp_buf env;
static int caught_status;
static char last_error[4096];
static int verbose = -1;

static void on_error(int status, const char *msg)
{
	caught_status = status;
	snprintf(last_error, sizeof last_error, "%s", msg);
	longjmp(env, 1);
}

const char *fz_last_error(void)
{
	return last_error;
}

/* Forgets every tracked resource; with release, frees/closes/unmaps it. */
static void untrack_all(int release)
{
	armed = 0;
	/* Zeroing each block's probe run from its home slot empties every
	 * occupied slot (a run stops at the first empty slot, and every block
	 * sits in the run of occupied slots that starts at its home). */
	for (uint32_t i = 0; i < nblocks; i++) {
		for (uint32_t h = hash_ptr(blocks[i]); slot_of[h]; h = (h + 1) & hmask)
			slot_of[h] = 0;
		if (release)
			free(blocks[i]);
	}
	nblocks = 0;
	for (int i = 0; i < nfds; i++)
		if (release)
			__real_close(fds[i]);
	nfds = 0;
	for (int i = 0; i < nmaps; i++)
		if (release)
			__real_munmap(maps[i].addr, maps[i].len);
	nmaps = 0;
}

int fz_call(void (*fn)(void *), void *arg)
{
	static int hooks;
	if (!hooks) {
		hooks = 1;
		if (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0)
			track_fail("cannot install the allocator hooks (build with -fsanitize=address)");
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	}
	last_error[0] = '\0';
	pt_set_error_handler(on_error);
	if (setjmp(env)) {
		pt_set_error_handler(NULL);
		untrack_all(1);
		if (verbose)
			fprintf(stderr, "caught (exit %d): %s\n", caught_status, last_error);
		return caught_status;
	}
	armed = 1;
	fn(arg);
	armed = 0;
	pt_set_error_handler(NULL);
	untrack_all(0);   /* what fn left is a leak: LeakSanitizer reports it */
	return 0;
}

/* ---- streams and files ---- */
static char stream_buf[2][1 << 16];

FILE *fz_memfile(int slot, const void *data, size_t size)
{
	static const char empty[1];
	/* fmemopen of 0 bytes: a 1-byte buffer read as empty */
	FILE *f = size ? fmemopen((void *)(uintptr_t)data, size, "rb") : fmemopen((void *)empty, 1, "rb");
	if (!f)
		track_fail("fmemopen failed");
	if (!size)
		fgetc(f);
	setvbuf(f, stream_buf[slot], _IOFBF, sizeof stream_buf[slot]);
	return f;
}

FILE *fz_null_out(void)
{
	static FILE *f;
	static char buf[1 << 16];
	if (!f) {
		f = fopen("/dev/null", "wb");
		if (!f)
			track_fail("cannot open /dev/null");
		setvbuf(f, buf, _IOFBF, sizeof buf);
	}
	return f;
}

static char dir[64];
static char paths[4][128];

static void remove_dir(void)
{
	fz_clear_dir();
	rmdir(dir);
}

const char *fz_tmpdir(void)
{
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/ptfuzz.XXXXXX", t && strlen(t) < 40 ? t : "/tmp");
		if (!mkdtemp(dir))
			track_fail("mkdtemp failed");
		atexit(remove_dir);
	}
	return dir;
}

const char *fz_write_file(int slot, const char *name, const void *data, size_t size)
{
	snprintf(paths[slot], sizeof paths[slot], "%s/%s", fz_tmpdir(), name);
	int fd = __real_open(paths[slot], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		track_fail("cannot write a file in the temporary folder");
	const char *p = data;
	while (size) {
		ssize_t w = write(fd, p, size);
		if (w <= 0)
			track_fail("write failed");
		p += w;
		size -= (size_t)w;
	}
	__real_close(fd);
	return paths[slot];
}

void fz_clear_dir(void)
{
	DIR *d = opendir(fz_tmpdir());
	if (!d)
		return;
	struct dirent *e;
	char p[sizeof dir + 256 + 2];
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
}

void fz_buf_init(fz_buf *b, char *store, size_t cap)
{
	b->p = store;
	b->n = 0;
	b->cap = cap;
	b->overflow = 0;
}

void fz_buf_put(fz_buf *b, const void *s, size_t n)
{
	if (b->overflow || n > b->cap - b->n) {
		b->overflow = 1;
		return;
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

static int buf_write(void *data, const char *s, size_t n)
{
	fz_buf_put(data, s, n);
	return 0;
}

void fz_writer(pt_writer *w, fz_buf *b)
{
	w->fp = NULL;
	msgpack_packer_init(&w->pk, b, buf_write);
}

void fz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *alen,
	      const uint8_t **b, size_t *blen)
{
	static const char sep[] = "\n----\n";
	const size_t sl = sizeof sep - 1;
	*a = data;
	for (size_t i = 0; i + sl <= size; i++)
		if (memcmp(data + i, sep, sl) == 0) {
			*alen = i;
			*b = data + i + sl;
			*blen = size - i - sl;
			return;
		}
	*alen = size;
	*b = data + size;
	*blen = 0;
}
