/* fuzz_text: the text readers (lib/text/textinput.c: GLUE TSV, CSV, JSON
 * Lines) and the WordPiece tokenizer (lib/text/wordpiece.c), as `tok` runs
 * them.
 *
 * Input: one option byte, then the text file.
 *   bits 0-1: format (0 tsv, 1 csv, 2/3 jsonl); bits 2-3: the task's
 *   columns (mrpc, cola, stsb, rte); bit 4: --no-header (tsv, csv);
 *   bits 5-6: --max-length (none, 3, 8, 64); bit 7: a cased tokenizer
 *   without accent stripping instead of the uncased one.
 * Every example read is encoded. The two tokenizers are built once, from a
 * small vocabulary with BERT's special tokens, word pieces, punctuation,
 * accented and CJK characters. */
#include "fuzz.h"
#include "text/textinput.h"
#include "text/wordpiece.h"

#include <string.h>

static const char *const vocab[] = {
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "an", "of", "and", "to", "is", "in", "it",
	"he", "she", "was", "said", "not", "un", "##aff", "##able", "##s", "##ed", "##ing", "##ly", "play",
	"run", "hello", "world", "amazon", "stock", "price", "##9", "1", "2", "9", "0", "##0", ",", ".", "!",
	"?", "'", "\"", "-", "(", ")", "$", "%", "&", "/", ":", ";", "#", "@", "e", "##e", "é", "##é", "cafe",
	"café", "naive", "中", "文", "日", "本", "##本", "x", "##x", "y", "##y", "\xe2\x80\x99", "s", "t",
};

static pt_wordpiece *wp[2];

static pt_wordpiece *make_tokenizer(int cased)
{
	pt_wp_config cfg = {
		.clean_text = 1, .handle_chinese_chars = 1, .strip_accents = !cased, .lowercase = !cased,
		.max_input_chars_per_word = 100, .max_length = 0,
	};
	pt_wordpiece *w = wp_new(&cfg, "##");
	for (size_t i = 0; i < sizeof vocab / sizeof *vocab; i++)
		wp_add_token(w, vocab[i], strlen(vocab[i]), (int32_t)i);
	for (int32_t i = 0; i < 5; i++)
		wp_add_special(w, vocab[i], strlen(vocab[i]), i);
	wp_set_specials(w, 1, 2, 3);
	return w;
}

typedef struct {
	FILE *in;
	ti_options opt;
	pt_wordpiece *wp;
} job;

static void run(void *arg)
{
	job *j = arg;
	ti_reader *r = ti_open(j->in, "input", &j->opt);
	pt_encoding enc = { 0 };
	ti_example ex;
	while (ti_next(r, &ex))
		wp_encode(j->wp, ex.a, ex.alen, ex.b, ex.blen, &enc);
	wp_encoding_free(&enc);
	ti_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!wp[0]) {
		wp[0] = make_tokenizer(0);
		wp[1] = make_tokenizer(1);
	}
	static const char *const tasks[4] = { "mrpc", "cola", "stsb", "rte" };
	static const size_t max_len[4] = { 0, 3, 8, 64 };
	static const ti_format formats[4] = { TI_TSV, TI_CSV, TI_JSONL, TI_JSONL };
	uint8_t o = data[0];
	job j = { .opt = { .format = formats[o & 3] } };
	j.opt.no_header = j.opt.format != TI_JSONL && ((o >> 4) & 1);
	ti_options_from_task(&j.opt, ti_task_find(tasks[(o >> 2) & 3]));
	j.wp = wp[o >> 7];
	wp_set_max_length(j.wp, max_len[(o >> 5) & 3]);
	j.in = fz_memfile(0, data + 1, size - 1);
	fz_call(run, &j);
	fclose(j.in);
	return 0;
}
