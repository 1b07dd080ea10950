/* fuzz_config: a model's config.json (lib/config.c) and `--set KEY=VALUE`
 * overrides, then a save and a reload that must give the same sizes (for
 * up to 4096 labels: saving the 2^20 labels a config may have takes
 * minutes under ASan, and is the same code as saving 4096).
 *
 * Input: config.json [\n----\n one KEY=VALUE per line]. */
#include "config.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const uint8_t *sets;
	size_t nsets;
	bert_config c;
} job;

static void load_and_set(void *arg)
{
	job *j = arg;
	bert_config_load(fz_tmpdir(), &j->c);
	const uint8_t *p = j->sets, *end = j->sets + j->nsets;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = nl ? nl : end;
		char *kv = malloc((size_t)(e - p) + 1);
		memcpy(kv, p, (size_t)(e - p));
		kv[e - p] = '\0';
		bert_config_set(&j->c, kv);
		free(kv);
		p = nl ? nl + 1 : end;
	}
}

static void save_and_reload(void *arg)
{
	job *j = arg;
	bert_config_save(&j->c, fz_write_file(1, "config.json", "", 0));
	bert_config back;
	bert_config_load(fz_tmpdir(), &back);
	if (back.vocab_size != j->c.vocab_size || back.hidden_size != j->c.hidden_size ||
	    back.num_hidden_layers != j->c.num_hidden_layers || back.num_labels != j->c.num_labels ||
	    back.intermediate_size != j->c.intermediate_size) {
		fprintf(stderr, "fuzz_config: the reloaded config differs from the saved one\n");
		abort();
	}
	bert_config_free(&back);
}

static void release(void *arg)
{
	bert_config_free(&((job *)arg)->c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cfg;
	size_t ncfg;
	job j;
	memset(&j, 0, sizeof j);
	fz_split(data, size, &cfg, &ncfg, &j.sets, &j.nsets);
	fz_clear_dir();
	fz_write_file(0, "config.json", cfg, ncfg);
	if (fz_call(load_and_set, &j) != 0)
		return 0;   /* what it had allocated is freed */
	if (j.c.num_labels <= 4096)
		fz_call(save_and_reload, &j);
	fz_call(release, &j);
	return 0;
}
