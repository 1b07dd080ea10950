/* Unit tests for lib/record: a written stream reads back field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "util.h"

static char path[64];

static void write_stream(void)
{
	strcpy(path, "/tmp/pt_test_recordXXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	pt_writer w;
	wr_init(&w, f);
	for (int r = 0; r < 3; r++) {
		int32_t ids[4] = {101, 7 + r, 8, 102};
		float logits[2] = {-1.25f, 2.5f * r};
		wr_map(&w, 4);
		wr_key(&w, "idx");
		wr_int(&w, r);
		wr_key(&w, "input_ids");
		wr_int_array(&w, ids, 4);
		wr_key(&w, "logits");
		wr_f32_array(&w, logits, 2);
		wr_key(&w, "matrix");
		wr_array(&w, 2);
		wr_int_array(&w, ids, 2);
		wr_int_array(&w, ids + 2, 2);
	}
	assert_int_equal(fclose(f), 0);
}

static void test_roundtrip(void **state)
{
	(void)state;
	write_stream();
	pt_reader *r = rec_open(path);
	pt_record rec;
	int32_t *ids = NULL;
	float *fl = NULL;
	size_t cap = 0, fcap = 0, rows, cols;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rec_next(r, &rec), 1);
		assert_int_equal(rec.index, i);
		assert_int_equal(rec_int(&rec, "idx"), i);
		assert_int_equal(rec_int_array(&rec, "input_ids", &ids, &cap), 4);
		assert_int_equal(ids[1], 7 + i);
		assert_int_equal(rec_float_array(&rec, "logits", &fl, &fcap), 2);
		assert_true(fl[0] == -1.25f && fl[1] == 2.5f * i);
		assert_int_equal(rec_int_matrix(&rec, "matrix", &ids, &cap, &rows, &cols), 4);
		assert_int_equal(rows, 2);
		assert_int_equal(cols, 2);
		assert_int_equal(ids[3], 102);
		int64_t v;
		assert_int_equal(rec_int_opt(&rec, "absent", &v), 0);
		assert_null(rec_field(&rec, "absent"));
	}
	assert_int_equal(rec_next(r, &rec), 0);
	rec_close(r);
	free(ids);
	free(fl);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
