/* Unit tests for lib/safetensors: files written by Python's safetensors
 * (tests/golden/make_checkpoint_fixtures.py) load with the right values,
 * st_save writes the same bytes as Python, and every kind of damaged file
 * is refused with one clear line and exit status 1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safetensors.h"
#include "util.h"

#define FIX "tests/golden/fixtures/checkpoint/st"

static char tmpdir[64];

static char *tmp_path(const char *name)
{
	static char buf[64][256];   /* a ring: a path stays valid for 63 more calls */
	static int k;
	char *p = buf[k++ % 64];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A file with the given JSON header (unpadded) followed by ndata zero bytes. */
static void write_st(const char *path, const char *header, size_t ndata)
{
	size_t hl = strlen(header);
	unsigned char *buf = calloc(1, 8 + hl + ndata);
	uint64_t h64 = hl;
	memcpy(buf, &h64, 8);
	memcpy(buf + 8, header, hl);
	write_bytes(path, buf, 8 + hl + ndata);
	free(buf);
}

/* Runs st_open(path) in a child; asserts it exits 1 with exactly one stderr
 * line containing want. */
static void expect_open_dies(const char *path, const char *want)
{
	char errf[256];
	snprintf(errf, sizeof errf, "%s/stderr", tmpdir);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(errf, "w", stderr))
			_exit(99);
		st_file *f = st_open(path);
		st_close(f);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	size_t len;
	char *msg = pt_read_file(errf, &len);
	assert_non_null(msg);
	if (WEXITSTATUS(status) != 1 || !strstr(msg, want) || strchr(msg, '\n') != msg + len - 1)
		fail_msg("st_open(%s): exit %d, stderr '%s', wanted one line with '%s'", path, WEXITSTATUS(status),
			 msg, want);
	free(msg);
}

static void check_same_f32(const st_file *f, const char *name, const char *ref)
{
	const st_tensor *t = st_find(f, name), *r = st_find(f, ref);
	assert_non_null(t);
	assert_non_null(r);
	assert_int_equal(r->dtype, ST_F32);
	size_t n = st_numel(t);
	assert_int_equal(n, st_numel(r));
	float *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
	st_to_f32(t, got);
	st_to_f32(r, want);
	for (size_t i = 0; i < n; i++) {
		if (isnan(want[i]) ? !isnan(got[i]) : memcmp(&got[i], &want[i], 4) != 0)
			fail_msg("%s[%zu]: got %a, torch gives %a", name, i, got[i], want[i]);
	}
	free(got);
	free(want);
}

static void test_dtypes(void **state)
{
	(void)state;
	st_file *f = st_open(FIX "/dtypes.safetensors");
	assert_int_equal(st_count(f), 15);
	for (size_t i = 1; i < st_count(f); i++)
		assert_true(strcmp(st_at(f, i - 1)->name, st_at(f, i)->name) < 0);
	assert_null(st_find(f, "nope"));
	check_same_f32(f, "x_f16", "x_f16_as_f32");
	check_same_f32(f, "x_bf16", "x_bf16_as_f32");
	check_same_f32(f, "x_f64", "x_f64_as_f32");

	const st_tensor *t = st_find(f, "x_f32");
	assert_int_equal(t->ndim, 2);
	assert_int_equal(t->shape[0], 2);
	assert_int_equal(t->shape[1], 3);
	float v[6];
	st_to_f32(t, v);
	assert_true(v[1] == -2.25f && v[4] == 1e-40f && v[5] == -7.0f);

	t = st_find(f, "x_i64");
	assert_int_equal(t->dtype, ST_I64);
	int64_t i64[2];
	memcpy(i64, t->data, sizeof i64);
	assert_true(i64[0] == -((int64_t)1 << 40) && i64[1] == 7);
	t = st_find(f, "x_i8");
	assert_int_equal(t->dtype, ST_I8);
	assert_int_equal(((const int8_t *)t->data)[0], -128);
	t = st_find(f, "x_bool");
	assert_int_equal(t->dtype, ST_BOOL);
	assert_int_equal(t->nbytes, 3);
	assert_int_equal(st_find(f, "x_u8")->dtype, ST_U8);
	assert_int_equal(st_find(f, "x_i16")->dtype, ST_I16);
	assert_int_equal(st_find(f, "x_i32")->dtype, ST_I32);

	t = st_find(f, "x_scalar");
	assert_int_equal(t->ndim, 0);
	assert_int_equal(st_numel(t), 1);
	t = st_find(f, "x_empty");
	assert_int_equal(st_numel(t), 0);
	assert_int_equal(t->nbytes, 0);
	st_close(f);
}

static void test_f16_exhaustive_roundtrip(void **state)
{
	(void)state;
	/* every finite half converts to a float that converts back exactly */
	for (uint32_t h = 0; h < 0x10000; h++) {
		float v = st_f16_to_f32((uint16_t)h);
		uint32_t e = (h >> 10) & 0x1f;
		if (e == 0x1f) {
			assert_true((h & 0x3ff) ? isnan(v) : isinf(v));
			continue;
		}
		int ex;
		float m = frexpf(fabsf(v), &ex);
		float back = (h & 0x8000) ? -ldexpf(m, ex) : ldexpf(m, ex);
		assert_true(memcmp(&back, &v, 4) == 0);
		assert_true(!!signbit(v) == !!(h & 0x8000));
		/* value check against the definition */
		double want = e ? ldexp(1024 + (h & 0x3ff), (int)e - 25) : ldexp(h & 0x3ff, -24);
		assert_true(fabs(v) == want);
	}
	assert_true(st_bf16_to_f32(0x3f80) == 1.0f);
	assert_true(st_bf16_to_f32(0x0001) == ldexpf(1.0f, -133));
}

static void test_resave_is_byte_identical(void **state)
{
	(void)state;
	st_file *f = st_open(FIX "/dtypes.safetensors");
	size_t n = st_count(f);
	st_out *o = calloc(n, sizeof *o);
	for (size_t i = 0; i < n; i++) {
		/* reversed on purpose: st_save must order them itself */
		const st_tensor *t = st_at(f, n - 1 - i);
		o[i].name = t->name;
		o[i].dtype = t->dtype;
		o[i].ndim = t->ndim;
		memcpy(o[i].shape, t->shape, sizeof o[i].shape);
		o[i].data = t->data;
	}
	char *out = tmp_path("resaved.safetensors");
	st_save(out, o, n);
	size_t la, lb;
	char *a = pt_read_file(FIX "/dtypes.safetensors", &la), *b = pt_read_file(out, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	/* header padded to 8 bytes, no temp file left */
	uint64_t hl;
	memcpy(&hl, b, 8);
	assert_int_equal(hl % 8, 0);
	char *tmp = tmp_path("resaved.safetensors.tmp.0");
	snprintf(tmp, 256, "%s/resaved.safetensors.tmp.%ld", tmpdir, (long)getpid());
	assert_int_equal(access(tmp, F_OK), -1);
	free(a);
	free(b);
	free(o);
	st_close(f);
}

static void test_sharded(void **state)
{
	(void)state;
	st_file *f = st_open(FIX "/sharded");
	assert_int_equal(st_count(f), 5);
	FILE *e = fopen(FIX "/sharded_expected.txt", "r");
	assert_non_null(e);
	char line[8192];
	int lines = 0;
	while (fgets(line, sizeof line, e)) {
		char *sp = strchr(line, ' ');
		*sp = 0;
		const st_tensor *t = st_find(f, line);
		assert_non_null(t);
		size_t n = st_numel(t);
		float *v = malloc(n * sizeof *v);
		st_to_f32(t, v);
		char *p = sp + 1;
		for (size_t i = 0; i < n; i++) {
			float want = strtof(p, &p);
			assert_true(v[i] == want);
		}
		free(v);
		lines++;
	}
	fclose(e);
	assert_int_equal(lines, 5);
	st_close(f);
}

static void test_damaged_files(void **state)
{
	(void)state;
	size_t len;
	char *good = pt_read_file(FIX "/dtypes.safetensors", &len);
	char *p = tmp_path("trunc.safetensors");
	write_bytes(p, good, len - 3);
	expect_open_dies(p, "truncated: tensor");
	write_bytes(p, good, 100);
	expect_open_dies(p, "truncated: the header needs");
	write_bytes(p, good, 5);
	expect_open_dies(p, "at least the 8-byte header length");
	write_bytes(p, "", 0);
	expect_open_dies(p, "at least the 8-byte header length");
	/* extra bytes after the last tensor */
	char *big = calloc(1, len + 8);
	memcpy(big, good, len);
	write_bytes(p, big, len + 8);
	expect_open_dies(p, "data bytes but the tensors cover");
	/* a flipped byte in the JSON */
	memcpy(big, good, len);
	big[9] = '#';
	write_bytes(p, big, len);
	expect_open_dies(p, "corrupt safetensors header");
	free(big);
	free(good);

	uint64_t huge = (uint64_t)1 << 40;
	unsigned char hb[16] = {0};
	memcpy(hb, &huge, 8);
	write_bytes(p, hb, 16);
	expect_open_dies(p, "over the 100 MB limit");

	write_st(p, "[1, 2]  ", 0);
	expect_open_dies(p, "does not start with '{'");
	write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
		 12);
	expect_open_dies(p, "must not overlap or leave gaps");
	write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
	expect_open_dies(p, "shape needs 12 bytes but data_offsets span 8");
	write_st(p, "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
	expect_open_dies(p, "unsupported dtype 'F8_E4M3'");
	write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
	expect_open_dies(p, "field 'shape'");
	write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4);
	expect_open_dies(p, "field 'data_offsets'");
	write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
		 8);
	expect_open_dies(p, "duplicate");
	write_st(p, "{\"__metadata__\":{\"format\":1}}", 0);
	expect_open_dies(p, "'__metadata__'");
	expect_open_dies(tmp_path("missing.safetensors"), "cannot open: No such file");
	expect_open_dies(tmpdir, "no model.safetensors or model.safetensors.index.json");

	/* a sharded folder whose index names a tensor its shard lacks */
	char *d = tmp_path("shards");
	mkdir(d, 0755);
	write_st(tmp_path("shards/s1.safetensors"),
		 "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
	const char *idx = "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}";
	write_bytes(tmp_path("shards/model.safetensors.index.json"), idx, strlen(idx));
	expect_open_dies(d, "weight_map names tensor 'b' in s1.safetensors, which does not hold it");
	idx = "{\"weight_map\":{\"a\":\"../s1.safetensors\"}}";
	write_bytes(tmp_path("shards/model.safetensors.index.json"), idx, strlen(idx));
	expect_open_dies(d, "expected a shard file name inside the folder");
	/* two shards holding the same tensor */
	write_st(tmp_path("shards/s2.safetensors"),
		 "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
	idx = "{\"weight_map\":{\"a\":\"s1.safetensors\",\"x\":\"s2.safetensors\"}}";
	write_bytes(tmp_path("shards/model.safetensors.index.json"), idx, strlen(idx));
	expect_open_dies(d, "tensor 'a' appears in more than one shard");
}

static void test_save_errors(void **state)
{
	(void)state;
	float x[2] = {1, 2};
	st_out o[2] = {{"w", ST_F32, 1, {2}, x}, {"w", ST_F32, 1, {2}, x}};
	char *errf = tmp_path("stderr");
	char *dst = tmp_path("dup.safetensors");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(errf, "w", stderr))
			_exit(99);
		st_save(dst, o, 2);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *msg = pt_read_file(errf, NULL);
	assert_non_null(strstr(msg, "tensor 'w' given twice"));
	free(msg);
	assert_int_equal(access(dst, F_OK), -1);
	/* a folder that does not exist: dies, nothing written */
	pid = fork();
	if (pid == 0) {
		if (!freopen(errf, "w", stderr))
			_exit(99);
		st_save(tmp_path("no/such/dir.safetensors"), o, 1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	msg = pt_read_file(errf, NULL);
	assert_non_null(strstr(msg, "cannot create"));
	free(msg);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/pt_test_stXXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const char *root = getenv("PT_ROOT");
	if (root && chdir(root) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtypes),
		cmocka_unit_test(test_f16_exhaustive_roundtrip),
		cmocka_unit_test(test_resave_is_byte_identical),
		cmocka_unit_test(test_sharded),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_save_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
