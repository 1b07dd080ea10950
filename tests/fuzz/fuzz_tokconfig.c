/* fuzz_tokconfig: the tokenizer configs of a model folder
 * (lib/text/tokconfig.c: tokenizer.json, or vocab.txt with
 * tokenizer_config.json), then one encoding with the tokenizer built.
 *
 * Input: FILE1 [\n----\n FILE2]. FILE1 starting with '{' is tokenizer.json,
 * otherwise vocab.txt; FILE2, when not empty, is tokenizer_config.json. The
 * files are written to a temporary folder that tokconfig_load reads. */
#include "fuzz.h"
#include "text/tokconfig.h"
#include "text/wordpiece.h"

#include <string.h>

static void run(void *arg)
{
	(void)arg;
	static const char a[] = "Hello, [SEP] wörld! Un\xc3\xa9 affable [MASK] 中文 x9y", b[] = "the s\xe2\x80\x99 caf\xc3\xa9 [UNK]";
	pt_wordpiece *wp = tokconfig_load(fz_tmpdir());
	pt_encoding enc = { 0 };
	wp_encode(wp, a, sizeof a - 1, b, sizeof b - 1, &enc);
	wp_encode(wp, b, sizeof b - 1, NULL, 0, &enc);
	wp_encoding_free(&enc);
	wp_free(wp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *f1, *f2;
	size_t n1, n2;
	fz_split(data, size, &f1, &n1, &f2, &n2);
	fz_clear_dir();
	fz_write_file(0, n1 && f1[0] == '{' ? "tokenizer.json" : "vocab.txt", f1, n1);
	if (n2)
		fz_write_file(1, "tokenizer_config.json", f2, n2);
	fz_call(run, NULL);
	return 0;
}
