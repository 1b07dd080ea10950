/* safetensors: mmap'd reader with full validation, atomic writer. */
#include "safetensors.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c assumes a little-endian host"
#endif

/* The Rust crate refuses headers over 100 MB; so do we. */
#define ST_MAX_HEADER (100u * 1000u * 1000u)

typedef struct {
	void *addr;
	size_t len;
} st_map;

struct st_file {
	st_tensor *t;
	size_t n, cap;
	st_map *maps;
	size_t nmaps;
};

static const struct {
	const char *name;
	st_dtype d;
	size_t size;
} dtypes[] = {
	{"F32", ST_F32, 4}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2}, {"F64", ST_F64, 8},
	{"I64", ST_I64, 8}, {"I32", ST_I32, 4}, {"I16", ST_I16, 2}, {"I8", ST_I8, 1},
	{"U8", ST_U8, 1},   {"BOOL", ST_BOOL, 1},
};
#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

/* Bytes per element of a dtype. */
static size_t st_dtype_size(st_dtype d)
{
	for (size_t i = 0; i < N_DTYPES; i++)
		if (dtypes[i].d == d)
			return dtypes[i].size;
	pt_die("safetensors: invalid dtype code %d", (int)d);
}

const char *st_dtype_name(st_dtype d)
{
	for (size_t i = 0; i < N_DTYPES; i++)
		if (dtypes[i].d == d)
			return dtypes[i].name;
	pt_die("safetensors: invalid dtype code %d", (int)d);
}

size_t st_numel(const st_tensor *t)
{
	size_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n = pt_mul_size(n, (size_t)t->shape[i], "safetensors: tensor size");
	return n;
}

/* ---- reading ---- */

typedef struct {
	size_t idx;      /* index into f->t */
	uint64_t begin, end;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* A JSON integer >= 0, else -1. */
static int64_t json_nonneg(const json_t *v)
{
	if (!json_is_integer(v))
		return -1;
	json_int_t x = json_integer_value(v);
	return x < 0 ? -1 : (int64_t)x;
}

/* Parses one tensor entry; dies naming file and tensor. */
static void parse_entry(const char *path, const char *name, json_t *e, st_tensor *t, uint64_t *begin,
			uint64_t *end)
{
	if (!json_is_object(e))
		pt_die("%s: safetensors header: tensor '%s': expected an object", path, name);
	json_t *dt = json_object_get(e, "dtype"), *sh = json_object_get(e, "shape"),
	       *off = json_object_get(e, "data_offsets");
	if (!json_is_string(dt))
		pt_die("%s: safetensors header: tensor '%s': field 'dtype': expected a string", path, name);
	size_t k;
	for (k = 0; k < N_DTYPES; k++)
		if (strcmp(json_string_value(dt), dtypes[k].name) == 0)
			break;
	if (k == N_DTYPES)
		pt_die("%s: safetensors header: tensor '%s': unsupported dtype '%s' (expected F32, F16, BF16, "
		       "F64, I64, I32, I16, I8, U8 or BOOL)",
		       path, name, json_string_value(dt));
	t->dtype = dtypes[k].d;
	if (!json_is_array(sh) || json_array_size(sh) > 8)
		pt_die("%s: safetensors header: tensor '%s': field 'shape': expected an array of at most 8 "
		       "integers",
		       path, name);
	t->ndim = (int)json_array_size(sh);
	size_t bytes = dtypes[k].size;
	for (int i = 0; i < t->ndim; i++) {
		int64_t d = json_nonneg(json_array_get(sh, (size_t)i));
		if (d < 0)
			pt_die("%s: safetensors header: tensor '%s': field 'shape': expected non-negative "
			       "integers",
			       path, name);
		t->shape[i] = d;
		if (__builtin_mul_overflow(bytes, (size_t)d, &bytes))
			pt_die("%s: safetensors header: tensor '%s': shape too large", path, name);
	}
	int64_t b = -1, en = -1;
	if (json_is_array(off) && json_array_size(off) == 2) {
		b = json_nonneg(json_array_get(off, 0));
		en = json_nonneg(json_array_get(off, 1));
	}
	if (b < 0 || en < b)
		pt_die("%s: safetensors header: tensor '%s': field 'data_offsets': expected [begin, end] with "
		       "0 <= begin <= end",
		       path, name);
	if ((uint64_t)(en - b) != (uint64_t)bytes)
		pt_die("%s: safetensors header: tensor '%s': %s shape needs %llu bytes but data_offsets span "
		       "%lld",
		       path, name, dtypes[k].name, (unsigned long long)bytes, (long long)(en - b));
	*begin = (uint64_t)b;
	*end = (uint64_t)en;
	t->nbytes = (size_t)bytes;
}

/* Maps one file and appends its tensors to f. */
static void load_one(st_file *f, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		pt_die("%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0)
		pt_die("%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		pt_die("%s: not a regular file (expected a .safetensors file)", path);
	size_t size = (size_t)st.st_size;
	if (size < 8)
		pt_die("%s: truncated: %zu bytes, expected at least the 8-byte header length", path, size);
	void *addr = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (addr == MAP_FAILED)
		pt_die("%s: cannot mmap: %s", path, strerror(errno));
	close(fd);
	f->maps = pt_realloc(f->maps, (f->nmaps + 1) * sizeof *f->maps);
	f->maps[f->nmaps++] = (st_map){addr, size};

	const unsigned char *p = addr;
	uint64_t hlen;
	memcpy(&hlen, p, 8);
	if (hlen > ST_MAX_HEADER)
		pt_die("%s: not a safetensors file: header length %llu is over the 100 MB limit", path,
		       (unsigned long long)hlen);
	if (hlen > size - 8)
		pt_die("%s: truncated: the header needs %llu bytes but only %zu follow the length", path,
		       (unsigned long long)hlen, size - 8);
	if (hlen < 2 || p[8] != '{')
		pt_die("%s: not a safetensors file: the header does not start with '{'", path);
	json_error_t err;
	json_t *h = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &err);
	if (!h)
		pt_die("%s: corrupt safetensors header: %s (at byte %d)", path, err.text, err.position);
	if (!json_is_object(h))
		pt_die("%s: corrupt safetensors header: expected a JSON object", path);
	const unsigned char *data = p + 8 + hlen;
	uint64_t dlen = size - 8 - hlen;

	size_t nt = json_object_size(h);
	span *sp = pt_malloc(nt * sizeof *sp);
	size_t ns = 0;
	const char *key;
	json_t *val;
	json_object_foreach(h, key, val)
	{
		if (strcmp(key, "__metadata__") == 0) {
			const char *mk;
			json_t *mv;
			if (!json_is_object(val))
				pt_die("%s: safetensors header: '__metadata__': expected an object", path);
			json_object_foreach(val, mk, mv)
			{
				if (!json_is_string(mv))
					pt_die("%s: safetensors header: '__metadata__': value of '%s' is not a string",
					       path, mk);
			}
			continue;
		}
		if (f->n == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 64;
			f->t = pt_realloc(f->t, f->cap * sizeof *f->t);
		}
		st_tensor *t = &f->t[f->n];
		memset(t, 0, sizeof *t);
		parse_entry(path, key, val, t, &sp[ns].begin, &sp[ns].end);
		t->name = pt_strdup(key);
		sp[ns].idx = f->n++;
		ns++;
	}
	/* The crate's rule: sorted by offset, tensors cover the data exactly. */
	qsort(sp, ns, sizeof *sp, span_cmp);
	uint64_t pos = 0;
	for (size_t i = 0; i < ns; i++) {
		st_tensor *t = &f->t[sp[i].idx];
		if (sp[i].begin != pos)
			pt_die("%s: corrupt safetensors header: tensor '%s' starts at data offset %llu, expected "
			       "%llu (tensors must not overlap or leave gaps)",
			       path, t->name, (unsigned long long)sp[i].begin, (unsigned long long)pos);
		pos = sp[i].end;
		if (pos > dlen)
			pt_die("%s: truncated: tensor '%s' ends at data offset %llu but the file has %llu data "
			       "bytes",
			       path, t->name, (unsigned long long)pos, (unsigned long long)dlen);
		t->data = data + sp[i].begin;
	}
	if (pos != dlen)
		pt_die("%s: corrupt safetensors file: %llu data bytes but the tensors cover %llu", path,
		       (unsigned long long)dlen, (unsigned long long)pos);
	free(sp);
	json_decref(h);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

/* Name order, each name once (a tensor in two shards is an error). */
static void sort_unique(st_file *f, const char *path)
{
	if (f->n > 1)   /* a header-only file has no tensors (f->t NULL) */
		qsort(f->t, f->n, sizeof *f->t, name_cmp);
	for (size_t i = 1; i < f->n; i++)
		if (strcmp(f->t[i - 1].name, f->t[i].name) == 0)
			pt_die("%s: tensor '%s' appears in more than one shard", path, f->t[i].name);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = pt_malloc(n);
	snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/* Loads the shards named by an index file; checks every weight_map entry. */
static void load_sharded(st_file *f, const char *dir, const char *index)
{
	json_error_t err;
	json_t *j = json_load_file(index, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		pt_die("%s: bad JSON: %s (line %d)", index, err.text, err.line);
	json_t *wm = json_object_get(j, "weight_map");
	if (!json_is_object(wm) || json_object_size(wm) == 0)
		pt_die("%s: field 'weight_map': expected a non-empty object {tensor: shard file}", index);
	const char *key;
	json_t *val;
	/* each distinct shard once, in first-mention order */
	const char **shards = pt_malloc(json_object_size(wm) * sizeof *shards);
	size_t nsh = 0;
	json_object_foreach(wm, key, val)
	{
		const char *s = json_string_value(val);
		if (!s || !*s || s[0] == '/' || strstr(s, ".."))
			pt_die("%s: weight_map entry '%s': expected a shard file name inside the folder", index, key);
		size_t k;
		for (k = 0; k < nsh; k++)
			if (strcmp(shards[k], s) == 0)
				break;
		if (k == nsh)
			shards[nsh++] = s;
	}
	for (size_t k = 0; k < nsh; k++) {
		char *p = join(dir, shards[k]);
		load_one(f, p);
		free(p);
	}
	sort_unique(f, dir);
	json_object_foreach(wm, key, val)
	{
		if (!st_find(f, key))
			pt_die("%s: weight_map names tensor '%s' in %s, which does not hold it", index, key,
			       json_string_value(val));
	}
	free(shards);
	json_decref(j);
}

st_file *st_open(const char *path)
{
	st_file *f = pt_calloc(1, sizeof *f);
	if (is_dir(path)) {
		char *single = join(path, "model.safetensors");
		char *index = join(path, "model.safetensors.index.json");
		if (exists(single))
			load_one(f, single);
		else if (exists(index))
			load_sharded(f, path, index);
		else
			pt_die("%s: no model.safetensors or model.safetensors.index.json in this folder", path);
		free(single);
		free(index);
	} else {
		load_one(f, path);
	}
	sort_unique(f, path);
	return f;
}

size_t st_count(const st_file *f)
{
	return f->n;
}

const st_tensor *st_at(const st_file *f, size_t i)
{
	return i < f->n ? &f->t[i] : NULL;
}

const st_tensor *st_find(const st_file *f, const char *name)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, f->t[mid].name);
		if (c == 0)
			return &f->t[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void st_close(st_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free((char *)f->t[i].name);
	for (size_t i = 0; i < f->nmaps; i++)
		munmap(f->maps[i].addr, f->maps[i].len);
	free(f->t);
	free(f->maps);
	free(f);
}

/* ---- conversion ---- */

float st_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);   /* inf, nan (payload kept) */
	} else if (exp != 0) {
		bits = sign | ((exp + 112) << 23) | (man << 13);
	} else if (man == 0) {
		bits = sign;
	} else {
		/* subnormal half: man * 2^-24, exact in float */
		float v = ldexpf((float)man, -24);
		return sign ? -v : v;
	}
	float v;
	memcpy(&v, &bits, 4);
	return v;
}

float st_bf16_to_f32(uint16_t b)
{
	uint32_t bits = (uint32_t)b << 16;
	float v;
	memcpy(&v, &bits, 4);
	return v;
}

void st_to_f32(const st_tensor *t, float *dst)
{
	size_t n = st_numel(t);
	const unsigned char *p = t->data;
	switch (t->dtype) {
	case ST_F32:
		memcpy(dst, p, n * 4);
		break;
	case ST_F16:
	case ST_BF16:
		for (size_t i = 0; i < n; i++) {
			uint16_t h;
			memcpy(&h, p + 2 * i, 2);
			dst[i] = t->dtype == ST_F16 ? st_f16_to_f32(h) : st_bf16_to_f32(h);
		}
		break;
	case ST_F64:
		for (size_t i = 0; i < n; i++) {
			double d;
			memcpy(&d, p + 8 * i, 8);
			dst[i] = (float)d;
		}
		break;
	default:
		pt_die("tensor '%s': dtype %s is not a floating-point type", t->name, st_dtype_name(t->dtype));
	}
}

/* ---- writing ---- */

/* Position in the Rust crate's Dtype enum (BOOL, U8, I8, F8_E5M2, F8_E4M3,
 * I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64). */
static int crate_rank(st_dtype d)
{
	switch (d) {
	case ST_BOOL: return 0;
	case ST_U8: return 1;
	case ST_I8: return 2;
	case ST_I16: return 5;
	case ST_F16: return 7;
	case ST_BF16: return 8;
	case ST_I32: return 9;
	case ST_F32: return 11;
	case ST_F64: return 12;
	case ST_I64: return 13;
	}
	return -1;
}

/* The crate's layout order: dtype descending, then name. */
static int out_cmp(const void *a, const void *b)
{
	const st_out *x = *(const st_out *const *)a, *y = *(const st_out *const *)b;
	int rx = crate_rank(x->dtype), ry = crate_rank(y->dtype);
	if (rx != ry)
		return ry - rx;
	return strcmp(x->name, y->name);
}

static size_t out_bytes(const st_out *t)
{
	size_t n = st_dtype_size(t->dtype);
	for (int i = 0; i < t->ndim; i++)
		n = pt_mul_size(n, (size_t)t->shape[i], "safetensors: tensor size");
	return n;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync of the folder holding path, so the rename itself is durable. */
static void sync_parent(const char *path)
{
	char *copy = pt_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

void st_save(const char *path, const st_out *t, size_t n)
{
	const st_out **ord = pt_malloc((n ? n : 1) * sizeof *ord);
	for (size_t i = 0; i < n; i++) {
		if (!t[i].name || !*t[i].name || strcmp(t[i].name, "__metadata__") == 0)
			pt_die("%s: cannot save a tensor with an empty or reserved name", path);
		if (t[i].ndim < 0 || t[i].ndim > 8)
			pt_die("%s: tensor '%s': %d dimensions (0 to 8 allowed)", path, t[i].name, t[i].ndim);
		for (int d = 0; d < t[i].ndim; d++)
			if (t[i].shape[d] < 0)
				pt_die("%s: tensor '%s': negative dimension", path, t[i].name);
		ord[i] = &t[i];
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(ord[i]->name, ord[j]->name) == 0)
				pt_die("%s: tensor '%s' given twice", path, ord[i]->name);
	qsort(ord, n, sizeof *ord, out_cmp);
	json_t *h = json_object();
	json_t *meta = json_object();
	json_object_set_new(meta, "format", json_string("pt"));
	json_object_set_new(h, "__metadata__", meta);
	uint64_t off = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object(), *sh = json_array();
		json_object_set_new(e, "dtype", json_string(st_dtype_name(ord[i]->dtype)));
		for (int d = 0; d < ord[i]->ndim; d++)
			json_array_append_new(sh, json_integer(ord[i]->shape[d]));
		json_object_set_new(e, "shape", sh);
		size_t nb = out_bytes(ord[i]);
		json_t *o = json_array();
		json_array_append_new(o, json_integer((json_int_t)off));
		size_t end = pt_add_size(off, nb, "safetensors: file size");
		json_array_append_new(o, json_integer((json_int_t)end));
		json_object_set_new(e, "data_offsets", o);
		json_object_set_new(h, ord[i]->name, e);
		off = end;
	}
	char *js = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(h);
	if (!js)
		pt_die("%s: cannot encode the safetensors header", path);
	size_t jl = strlen(js), pad = (8 - jl % 8) % 8;
	size_t hl = jl + pad;
	char *hdr = pt_malloc(8 + hl);
	uint64_t hl64 = hl;
	memcpy(hdr, &hl64, 8);
	memcpy(hdr + 8, js, jl);
	memset(hdr + 8 + jl, ' ', pad);
	free(js);

	size_t tl = strlen(path) + 32;
	char *tmp = pt_malloc(tl);
	snprintf(tmp, tl, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		pt_die("%s: cannot create: %s", tmp, strerror(errno));
	int bad = write_all(fd, hdr, 8 + hl);
	for (size_t i = 0; i < n && !bad; i++)
		bad = write_all(fd, ord[i]->data, out_bytes(ord[i]));
	if (!bad)
		bad = fsync(fd);
	if (close(fd) != 0)
		bad = -1;
	if (!bad)
		bad = rename(tmp, path);
	if (bad) {
		int e = errno;
		unlink(tmp);
		pt_die("%s: write error: %s", path, strerror(e));
	}
	sync_parent(path);
	free(tmp);
	free(hdr);
	free(ord);
}

void st_drop_pages(const st_tensor *t)
{
	if (!t->nbytes)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)t->data & ~(page - 1);
	uintptr_t hi = ((uintptr_t)t->data + t->nbytes + page - 1) & ~(page - 1);
	/* the rounding may take in a neighbour's pages too: harmless, they fault back in */
	madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
