/* wordpiece: the BERT tokenizer of Hugging Face `tokenizers`
 * (BertNormalizer + BertPreTokenizer + WordPiece + the BERT template and
 * longest_first truncation), for any WordPiece vocabulary.
 *
 * Semantics follow tokenizers' Rust sources:
 *  - normalizer: clean_text drops U+0000, U+FFFD and Cc/Cf/Co characters
 *    except \t \n \r and maps White_Space characters to ' '; CJK ideographs
 *    get spaces around them; strip_accents is NFD followed by dropping Mn;
 *    lowercase is char::to_lowercase (full mapping: U+0130 -> "i\u0307").
 *  - pre-tokenizer: split on White_Space; ASCII punctuation and Unicode P*
 *    characters become tokens of their own.
 *  - WordPiece: greedy longest match from the left, continuation pieces
 *    carry the prefix ("##"); a word longer than max_input_chars_per_word
 *    characters, or one that cannot be covered, becomes the unknown token.
 *  - special tokens (HF "added tokens" with normalized=false) are matched
 *    verbatim in the raw text before normalization, leftmost-longest.
 * Unicode tables come from utf8proc. Canonical reordering of NFD is not
 * done: it can only change the order of surviving (non-Mn) combining
 * characters, of which Unicode has a handful.
 *
 * Nothing is allocated per character or per word; a pt_wordpiece is
 * read-only after set-up, so one may be shared by threads that each own
 * their pt_encoding. */
#ifndef PT_WORDPIECE_H
#define PT_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int clean_text;            /* BertNormalizer.clean_text */
	int handle_chinese_chars;  /* spaces around CJK ideographs */
	int strip_accents;         /* NFD + drop Mn */
	int lowercase;
	int max_input_chars_per_word; /* 100 in BERT */
	size_t max_length;         /* truncation length incl. special tokens; 0: none */
} pt_wp_config;

typedef struct pt_wordpiece pt_wordpiece;

/* A growable array of token ids. */
typedef struct {
	int32_t *v;
	size_t n, cap;
} pt_ids;

/* One encoded example: ids and token types (attention mask is all ones).
 * a and b are scratch space for the two sequences. Zero-initialize. */
typedef struct {
	pt_ids ids, type_ids;
	pt_ids a, b;
} pt_encoding;

/* Creates an empty tokenizer with the given settings and continuation
 * prefix (copied). */
pt_wordpiece *wp_new(const pt_wp_config *cfg, const char *prefix);
void wp_free(pt_wordpiece *wp);
/* Changes the truncation length (incl. special tokens; 0: no truncation). */
void wp_set_max_length(pt_wordpiece *wp, size_t max_length);

/* Adds a vocabulary entry. Adding a token again replaces its id (as
 * Python's load_vocab does with a repeated line). */
void wp_add_token(pt_wordpiece *wp, const char *tok, size_t len, int32_t id);
/* The id of tok, or -1 if it is not in the vocabulary. */
int32_t wp_lookup(const pt_wordpiece *wp, const char *tok, size_t len);
/* Number of distinct tokens.
 * For tests (tests/unit/test_wordpiece.c). */
size_t wp_vocab_size(const pt_wordpiece *wp);
/* The vocabulary by id, for showing ids as tokens: tok[i] is the token
 * with id i (NUL-terminated) or NULL when no token has that id; n is one
 * more than the largest id. A copy: wp may be freed before it. Freed with
 * wp_id_tokens_free(). */
typedef struct {
	char **tok;
	size_t n;
} pt_id_tokens;
pt_id_tokens wp_id_tokens(const pt_wordpiece *wp);
void wp_id_tokens_free(pt_id_tokens *t);
/* A short text that identifies the tokenizer, for the "tokenizer" field
 * of tok's records: "uncased-30522-HHHHHHHHHHHHHHHH" (or "cased-..."): the
 * casing, the vocabulary size and a 64-bit hash of every (token, id) pair
 * and of the settings that change ids (normalizer flags, continuation
 * prefix, [UNK]/[CLS]/[SEP] ids); the truncation length is left out.
 * Independent of the order tokens were added. Writes at most n bytes
 * (WP_FINGERPRINT_MAX is enough) into buf. */
#define WP_FINGERPRINT_MAX 48
void wp_fingerprint(const pt_wordpiece *wp, char *buf, size_t n);
/* Registers a special token matched verbatim in raw text (an HF added
 * token with normalized=false, lstrip/rstrip false). */
void wp_add_special(pt_wordpiece *wp, const char *tok, size_t len, int32_t id);
/* Sets the ids of the unknown, [CLS] and [SEP] tokens. Must be called
 * before encoding. */
void wp_set_specials(pt_wordpiece *wp, int32_t unk, int32_t cls, int32_t sep);

/* Appends to out the ids of text (len bytes of UTF-8; an invalid byte is
 * read as U+FFFD, which clean_text drops): special-token split, normalizer,
 * pre-tokenizer, WordPiece. No template tokens.
 * Exported for tests/unit/test_wordpiece.c; wp_encode is its caller. */
void wp_tokenize(const pt_wordpiece *wp, const char *text, size_t len, pt_ids *out);

/* Encodes one example as BertTokenizerFast(a, b, truncation=True) does:
 * [CLS] A [SEP] (B [SEP]) with type ids 0 (1 for B and its [SEP]),
 * longest_first truncation to the configured max_length. b == NULL means a
 * single sentence. Results in enc->ids / enc->type_ids, replacing what
 * was there. max_length must be 0 or at least 3 (checked by wp_set_max_length). */
void wp_encode(const pt_wordpiece *wp, const char *a, size_t alen,
	       const char *b, size_t blen, pt_encoding *enc);
void wp_encoding_free(pt_encoding *enc);

/* Lengths after longest_first truncation of two sequences of n1 and n2
 * tokens to max tokens in all (tokenizers' truncate_encodings).
 * Exported for tests/unit/test_wordpiece.c; wp_encode is its caller. */
void wp_longest_first(size_t n1, size_t n2, size_t max, size_t *out1, size_t *out2);

/* Decodes one UTF-8 character at s (n > 0 bytes available). Returns its
 * length and sets *cp; an invalid or truncated sequence returns 0.
 * Exported for tests/unit/test_wordpiece.c. */
size_t wp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
