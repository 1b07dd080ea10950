/* Unit tests for lib/text/wordpiece.c (and the small helpers of textinput.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text/textinput.h"
#include "text/wordpiece.h"

static const char *vocab[] = {
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "unaff",
	"hello", "world", "!", ",", "cafe", "café", "i", "\xcc\x87", "##\xcc\x87", "stan", "##bul", "##s",
	"我", "爱", "a", "##a", "x", "ß", "σ", "##σ", "##ς", "\xc2\xb4", "-", "$", "##stan",
};

static pt_wordpiece *make(int lower, int strip)
{
	pt_wp_config cfg = { 1, 1, strip, lower, 100, 512 };
	pt_wordpiece *wp = wp_new(&cfg, "##");
	for (size_t i = 0; i < sizeof vocab / sizeof *vocab; i++)
		wp_add_token(wp, vocab[i], strlen(vocab[i]), (int32_t)i);
	wp_set_specials(wp, 1, 2, 3);
	for (int i = 0; i < 5; i++)
		wp_add_special(wp, vocab[i], strlen(vocab[i]), i);
	return wp;
}

static void check(pt_wordpiece *wp, const char *text, const int32_t *want, size_t n)
{
	pt_ids ids = { 0 };
	wp_tokenize(wp, text, strlen(text), &ids);
	if (ids.n != n) {
		for (size_t i = 0; i < ids.n; i++)
			print_message("%d ", ids.v[i]);
		print_message("<- ids of '%s'\n", text);
	}
	assert_int_equal(ids.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids.v[i], want[i]);
	free(ids.v);
}
#define CHECK(wp, text, ...) do { \
	const int32_t w_[] = { __VA_ARGS__ }; \
	check(wp, text, w_, sizeof w_ / sizeof *w_); } while (0)

static void test_greedy_longest_match(void **state)
{
	(void)state;
	pt_wordpiece *wp = make(1, 1);
	CHECK(wp, "unaffable", 8, 7);          /* unaff ##able, not un ##aff ##able */
	CHECK(wp, "  UNAFFABLE\t", 8, 7);
	CHECK(wp, "unaffablez", 1);            /* no cover: the whole word is [UNK] */
	CHECK(wp, "hello, world!", 9, 12, 10, 11);
	CHECK(wp, "aaa", 23, 24, 24);
	assert_int_equal(wp_lookup(wp, "##aff", 5), 6);
	assert_int_equal(wp_lookup(wp, "nope", 4), -1);
	assert_int_equal(wp_vocab_size(wp), sizeof vocab / sizeof *vocab);
	wp_free(wp);
}

static void test_word_length_limit(void **state)
{
	(void)state;
	pt_wordpiece *wp = make(1, 1);
	char text[300];
	memset(text, 'a', 100);
	text[100] = '\0';
	pt_ids ids = { 0 };
	wp_tokenize(wp, text, 100, &ids);
	assert_int_equal(ids.n, 100);          /* a ##a x99 */
	ids.n = 0;
	memset(text, 'a', 250);
	wp_tokenize(wp, text, 101, &ids);       /* 101 characters: [UNK] */
	assert_int_equal(ids.n, 1);
	assert_int_equal(ids.v[0], 1);
	ids.n = 0;
	wp_tokenize(wp, text, 250, &ids);
	assert_int_equal(ids.n, 1);
	free(ids.v);
	wp_free(wp);
}

static void test_normalizer(void **state)
{
	(void)state;
	pt_wordpiece *wp = make(1, 1);
	CHECK(wp, "Caf\xc3\xa9", 13);           /* accent stripped: cafe */
	CHECK(wp, "Cafe\xcc\x81", 13);          /* combining acute dropped */
	CHECK(wp, "\xc4\xb0stanbuls", 15, 33, 19, 20); /* U+0130: NFD I + U+0307, mark dropped */
	CHECK(wp, "x\xe2\x80\x8b\xef\xbb\xbf\xc2\xad" "a\x00", 25, 24);  /* ZWSP, BOM, soft hyphen dropped */
	CHECK(wp, "x\xef\xbf\xbd" "a", 25, 24);  /* U+FFFD dropped */
	CHECK(wp, "x\xc2\xa0" "a\xe3\x80\x80x", 25, 23, 25); /* NBSP, ideographic space split */
	CHECK(wp, "我爱x", 21, 22, 25);          /* CJK: a word each */
	CHECK(wp, "\xc2\xb4 \xc2\xb4x", 30, 1);   /* U+00B4 has no canonical decomposition: kept */
	CHECK(wp, "[SEP]x[sep]", 3, 25, 1, 1, 1); /* special verbatim; [ sep ] are unknown here */
	CHECK(wp, "$-x", 32, 31, 25);            /* ASCII symbols are punctuation */
	wp_free(wp);
	wp = make(1, 0);                         /* lowercase without strip: U+0130 -> i U+0307 */
	CHECK(wp, "\xc4\xb0", 15, 17);
	CHECK(wp, "\xce\xa3\xcf\x83\xcf\x82", 27, 28, 29);  /* no final-sigma context */
	wp_free(wp);
	wp = make(0, 0);                         /* cased: no lowercase, accents kept */
	CHECK(wp, "caf\xc3\xa9 Hello", 14, 1);
	CHECK(wp, "\xc3\x9f", 26);
	wp_free(wp);
}

static void test_longest_first(void **state)
{
	(void)state;
	/* tokenizers' truncate_encodings_longest_first table, max 7. */
	static const size_t t[][4] = {
		{ 0, 0, 0, 0 }, { 0, 2, 0, 2 }, { 0, 4, 0, 4 }, { 0, 8, 0, 7 },
		{ 2, 0, 2, 0 }, { 2, 2, 2, 2 }, { 2, 4, 2, 4 }, { 2, 8, 2, 5 },
		{ 4, 0, 4, 0 }, { 4, 2, 4, 2 }, { 4, 4, 3, 4 }, { 4, 8, 3, 4 },
		{ 8, 0, 7, 0 }, { 8, 2, 5, 2 }, { 8, 4, 4, 3 }, { 8, 8, 3, 4 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		size_t a, b;
		wp_longest_first(t[i][0], t[i][1], 7, &a, &b);
		assert_int_equal(a, t[i][2]);
		assert_int_equal(b, t[i][3]);
	}
}

static void test_encode_template(void **state)
{
	(void)state;
	pt_wordpiece *wp = make(1, 1);
	pt_encoding enc = { 0 };
	wp_encode(wp, "hello", 5, "world !", 7, &enc);
	const int32_t ids[] = { 2, 9, 3, 10, 11, 3 }, types[] = { 0, 0, 0, 1, 1, 1 };
	assert_int_equal(enc.ids.n, 6);
	assert_memory_equal(enc.ids.v, ids, sizeof ids);
	assert_memory_equal(enc.type_ids.v, types, sizeof types);
	wp_set_max_length(wp, 5);
	wp_encode(wp, "hello hello hello", 17, "world world", 11, &enc);
	assert_int_equal(enc.ids.n, 5);           /* 5 - 3 = 2 tokens: 1 + 1 */
	wp_encode(wp, "", 0, NULL, 0, &enc);
	assert_int_equal(enc.ids.n, 2);
	wp_encoding_free(&enc);
	wp_free(wp);
}

static void test_utf8(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(wp_utf8_decode((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(wp_utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp), 0);
	assert_int_equal(wp_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0); /* surrogate */
	assert_int_equal(wp_utf8_decode((const unsigned char *)"\xc0\x80", 2, &cp), 0);     /* overlong */
	assert_int_equal(ti_utf8_check("ok \xf0\x9f\x98\x80", 7), 0);
	assert_int_equal(ti_utf8_check("ab\xff", 3), 3);
	assert_int_equal(ti_utf8_check("a\xed\xa0\x80", 4), 2);
	assert_int_equal(ti_utf8_check("a\xe2\x82", 3), 2);
}

static void test_task_table(void **state)
{
	(void)state;
	const ti_task *t = ti_task_find("mrpc");
	assert_non_null(t);
	assert_string_equal(t->text_a, "#1 String");
	assert_string_equal(t->label, "Quality");
	assert_true(ti_task_find("stsb")->regression);
	assert_string_equal(ti_task_find("mnli")->label_names, "entailment,neutral,contradiction");
	assert_null(ti_task_find("imdb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greedy_longest_match),
		cmocka_unit_test(test_word_length_limit),
		cmocka_unit_test(test_normalizer),
		cmocka_unit_test(test_longest_first),
		cmocka_unit_test(test_encode_template),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_task_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
