/* fuzz_safetensors: the safetensors reader (lib/safetensors.c), one file or
 * a sharded model folder, and the conversion of every float tensor.
 *
 * Input: one .safetensors file, or INDEX \n----\n SHARD1 [\n----\n SHARD2]:
 * model.safetensors.index.json and the shards model-00001-of-00002.safetensors
 * and model-00002-of-00002.safetensors, in a temporary folder. */
#include "fuzz.h"
#include "safetensors.h"

#include <stdlib.h>
#include <string.h>

static const char *target;

static void run(void *arg)
{
	(void)arg;
	st_file *f = st_open(target);
	for (size_t i = 0; i < st_count(f); i++) {
		const st_tensor *t = st_at(f, i);
		if (st_find(f, t->name) != t)
			abort();
		if (t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16 || t->dtype == ST_F64) {
			size_t n = st_numel(t);
			float *x = malloc(n ? n * sizeof *x : 1);
			st_to_f32(t, x);
			free(x);
		}
	}
	st_close(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *a, *rest, *s1, *s2;
	size_t na, nrest, n1, n2;
	fz_split(data, size, &a, &na, &rest, &nrest);
	fz_clear_dir();
	if (rest == data + size && na == size) {
		target = fz_write_file(0, "model.safetensors", data, size);
	} else {
		fz_split(rest, nrest, &s1, &n1, &s2, &n2);
		fz_write_file(0, "model.safetensors.index.json", a, na);
		fz_write_file(1, "model-00001-of-00002.safetensors", s1, n1);
		fz_write_file(2, "model-00002-of-00002.safetensors", s2, n2);
		target = fz_tmpdir();
	}
	fz_call(run, NULL);
	return 0;
}
