/* tokconfig: builds the WordPiece tokenizer of a Hugging Face model folder.
 *
 * Reads DIR/tokenizer.json when present (BertNormalizer, BertPreTokenizer,
 * WordPiece model, TemplateProcessing or BertProcessing post-processor,
 * added tokens), otherwise DIR/vocab.txt (one token per line, id = line
 * number) with the settings of DIR/tokenizer_config.json (do_lower_case,
 * strip_accents, tokenize_chinese_chars, unk/cls/sep/pad/mask token names;
 * BertTokenizer's defaults where absent). model_max_length comes from
 * tokenizer_config.json (512 when absent or absurdly large). The special
 * tokens are looked up in the vocabulary; a missing one is an error. */
#ifndef PT_TOKCONFIG_H
#define PT_TOKCONFIG_H

#include "text/wordpiece.h"

/* Loads the tokenizer of the model folder dir. Dies (exit 1) with one line
 * naming the file and what is wrong when the folder or a file is missing
 * or does not fit. The result is freed with wp_free(). */
pt_wordpiece *tokconfig_load(const char *dir);

/* The fingerprint (wp_fingerprint) of dir's tokenizer into buf (n bytes,
 * WP_FINGERPRINT_MAX is enough). Returns 1, or 0 when dir has neither
 * tokenizer.json nor vocab.txt (buf then holds ""). Dies like
 * tokconfig_load on a defective tokenizer file. */
int tokconfig_fingerprint(const char *dir, char *buf, size_t n);

#endif
