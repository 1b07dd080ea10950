/* wordpiece: BERT normalizer, pre-tokenizer, WordPiece, template and
 * truncation (see wordpiece.h for the semantics). */
#include "text/wordpiece.h"
#include "rng.h"
#include "util.h"

#include <string.h>
#include <utf8proc.h>

/* ---- vocabulary: open-addressing hash table over a string pool ---- */

typedef struct {
	uint64_t hash;
	uint32_t off, len;  /* key bytes in pool */
	int32_t id;         /* -1: empty slot */
} slot;

typedef struct {
	slot *slots;
	size_t mask, used;
	size_t maxlen;      /* longest key in bytes */
} table;

#define MAX_SPECIALS 64
#define WORD_MAX_CHARS 256   /* cap of stored characters per word */
#define WORD_MAX_BYTES (WORD_MAX_CHARS * 4)

struct pt_wordpiece {
	pt_wp_config cfg;
	char *prefix;
	size_t prefix_len;
	char *pool;
	size_t pool_len, pool_cap;
	table full;   /* every token as written */
	table cont;   /* tokens that start with the prefix, keyed without it */
	int32_t unk, cls, sep;
	struct { uint32_t off, len; int32_t id; } special[MAX_SPECIALS];
	size_t nspecial;
	unsigned char special_first[256];  /* first bytes of special tokens */
};

static inline uint64_t fnv_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = FNV_INIT;
	for (size_t i = 0; i < n; i++)
		h = fnv_step(h, (unsigned char)s[i]);
	return h;
}

static void table_init(table *t, size_t cap)
{
	t->slots = pt_malloc(cap * sizeof(slot));
	for (size_t i = 0; i < cap; i++)
		t->slots[i].id = -1;
	t->mask = cap - 1;
	t->used = 0;
	t->maxlen = 0;
}

static slot *table_find(const table *t, const char *pool, uint64_t h, const char *k, size_t n)
{
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		slot *s = &t->slots[i];
		if (s->id < 0)
			return s;
		if (s->hash == h && s->len == n && memcmp(pool + s->off, k, n) == 0)
			return s;
	}
}

static void table_put(table *t, const char *pool, uint32_t off, uint32_t len, int32_t id);

static void table_grow(table *t, const char *pool)
{
	table old = *t;
	table_init(t, (old.mask + 1) * 2);
	t->maxlen = old.maxlen;
	for (size_t i = 0; i <= old.mask; i++)
		if (old.slots[i].id >= 0)
			table_put(t, pool, old.slots[i].off, old.slots[i].len, old.slots[i].id);
	free(old.slots);
}

static void table_put(table *t, const char *pool, uint32_t off, uint32_t len, int32_t id)
{
	if ((t->used + 1) * 2 > t->mask + 1)
		table_grow(t, pool);
	uint64_t h = fnv(pool + off, len);
	slot *s = table_find(t, pool, h, pool + off, len);
	if (s->id < 0) {
		t->used++;
		s->hash = h;
		s->off = off;
		s->len = len;
	}
	s->id = id;
	if (len > t->maxlen)
		t->maxlen = len;
}

static int32_t table_get(const table *t, const char *pool, uint64_t h, const char *k, size_t n)
{
	if (n > t->maxlen)
		return -1;
	return table_find(t, pool, h, k, n)->id;
}

static uint32_t pool_add(pt_wordpiece *wp, const char *s, size_t n)
{
	if (wp->pool_len + n > UINT32_MAX)
		pt_die("vocabulary too large");
	if (wp->pool_len + n > wp->pool_cap) {
		wp->pool_cap = (wp->pool_len + n) * 2 + 4096;
		wp->pool = pt_realloc(wp->pool, wp->pool_cap);
	}
	memcpy(wp->pool + wp->pool_len, s, n);
	wp->pool_len += n;
	return (uint32_t)(wp->pool_len - n);
}

pt_wordpiece *wp_new(const pt_wp_config *cfg, const char *prefix)
{
	if (cfg->max_input_chars_per_word < 1 || cfg->max_input_chars_per_word > WORD_MAX_CHARS)
		pt_die("max_input_chars_per_word %d is out of range (1..%d)",
		       cfg->max_input_chars_per_word, WORD_MAX_CHARS);
	pt_wordpiece *wp = pt_calloc(1, sizeof *wp);
	wp->cfg = *cfg;
	wp->prefix = pt_strdup(prefix);
	wp->prefix_len = strlen(prefix);
	/* never NULL, so that an empty first token (a blank first line of
	 * vocab.txt) is pool + 0, not a null pointer */
	wp->pool_cap = 4096;
	wp->pool = pt_malloc(wp->pool_cap);
	table_init(&wp->full, 1024);
	table_init(&wp->cont, 1024);
	wp->unk = wp->cls = wp->sep = -1;
	wp_set_max_length(wp, cfg->max_length);
	return wp;
}

void wp_free(pt_wordpiece *wp)
{
	if (!wp)
		return;
	free(wp->prefix);
	free(wp->pool);
	free(wp->full.slots);
	free(wp->cont.slots);
	free(wp);
}


void wp_set_max_length(pt_wordpiece *wp, size_t max_length)
{
	if (max_length != 0 && max_length < 3)
		pt_die("max length %zu is too small: the template needs 3 special tokens", max_length);
	wp->cfg.max_length = max_length;
}

void wp_add_token(pt_wordpiece *wp, const char *tok, size_t len, int32_t id)
{
	uint32_t off = pool_add(wp, tok, len);
	table_put(&wp->full, wp->pool, off, (uint32_t)len, id);
	if (wp->prefix_len && len >= wp->prefix_len && memcmp(tok, wp->prefix, wp->prefix_len) == 0)
		table_put(&wp->cont, wp->pool, off + (uint32_t)wp->prefix_len,
			  (uint32_t)(len - wp->prefix_len), id);
}

int32_t wp_lookup(const pt_wordpiece *wp, const char *tok, size_t len)
{
	return table_get(&wp->full, wp->pool, fnv(tok, len), tok, len);
}

size_t wp_vocab_size(const pt_wordpiece *wp) { return wp->full.used; }

pt_id_tokens wp_id_tokens(const pt_wordpiece *wp)
{
	pt_id_tokens t = {0};
	const table *f = &wp->full;
	for (size_t i = 0; i <= f->mask; i++)
		if (f->slots[i].id >= 0 && (size_t)f->slots[i].id >= t.n)
			t.n = (size_t)f->slots[i].id + 1;
	t.tok = pt_calloc(t.n ? t.n : 1, sizeof *t.tok);
	for (size_t i = 0; i <= f->mask; i++) {
		const slot *s = &f->slots[i];
		if (s->id >= 0) {
			char *k = pt_malloc(s->len + 1);
			memcpy(k, wp->pool + s->off, s->len);
			k[s->len] = 0;
			free(t.tok[s->id]);  /* two tokens for one id: one of them */
			t.tok[s->id] = k;
		}
	}
	return t;
}

void wp_id_tokens_free(pt_id_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->tok[i]);
	free(t->tok);
	t->tok = NULL;
	t->n = 0;
}

void wp_fingerprint(const pt_wordpiece *wp, char *buf, size_t n)
{
	uint64_t h = 0;
	for (size_t i = 0; i <= wp->full.mask; i++) {
		const slot *s = &wp->full.slots[i];
		if (s->id >= 0)   /* a sum: the same for any insertion order */
			h += pt_mix64(s->hash ^ pt_mix64((uint64_t)(uint32_t)s->id));
	}
	const pt_wp_config *c = &wp->cfg;
	uint64_t flags = (uint64_t)(c->clean_text != 0) | (uint64_t)(c->handle_chinese_chars != 0) << 1 |
			 (uint64_t)(c->strip_accents != 0) << 2 | (uint64_t)(c->lowercase != 0) << 3 |
			 (uint64_t)(uint32_t)c->max_input_chars_per_word << 8;
	h = pt_mix64(h ^ pt_mix64(flags));
	h = pt_mix64(h ^ fnv(wp->prefix, wp->prefix_len));
	h = pt_mix64(h ^ ((uint64_t)(uint32_t)wp->unk | (uint64_t)(uint32_t)wp->cls << 32));
	h = pt_mix64(h ^ (uint64_t)(uint32_t)wp->sep);
	snprintf(buf, n, "%s-%zu-%016llx", c->lowercase ? "uncased" : "cased", wp->full.used,
		 (unsigned long long)h);
}

void wp_add_special(pt_wordpiece *wp, const char *tok, size_t len, int32_t id)
{
	if (len == 0)
		return;
	if (wp->nspecial == MAX_SPECIALS)
		pt_die("too many special tokens (at most %d)", MAX_SPECIALS);
	uint32_t off = pool_add(wp, tok, len);
	wp->special[wp->nspecial].off = off;
	wp->special[wp->nspecial].len = (uint32_t)len;
	wp->special[wp->nspecial].id = id;
	wp->nspecial++;
	wp->special_first[(unsigned char)tok[0]] = 1;
}

void wp_set_specials(pt_wordpiece *wp, int32_t unk, int32_t cls, int32_t sep)
{
	wp->unk = unk;
	wp->cls = cls;
	wp->sep = sep;
}

/* ---- ids ---- */

static inline void ids_push(pt_ids *a, int32_t v)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = pt_realloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = v;
}

/* ---- UTF-8 ---- */

size_t wp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static inline size_t utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* ---- character classes (tokenizers' definitions) ---- */

/* Rust char::is_whitespace (the White_Space property). */
static inline int is_ws(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0D);
	return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static inline int is_ascii_punct(uint32_t c)
{
	return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
	       (c >= 123 && c <= 126);
}

/* is_ascii_punctuation || unicode_categories' is_punctuation (P*). */
static inline int is_punct(uint32_t c)
{
	if (c < 0x80)
		return is_ascii_punct(c);
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return 1;
	default:
		return 0;
	}
}

/* The normalizer's is_control: unicode_categories' is_other (Cc, Cf, Co),
 * except \t \n \r. */
static inline int is_control(uint32_t c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return 0;
	if (c < 0x80)
		return c < 0x20 || c == 0x7F;
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CO:
		return 1;
	default:
		return 0;
	}
}

static inline int is_chinese(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
	       (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* ---- words and WordPiece ---- */

typedef struct {
	const pt_wordpiece *wp;
	pt_ids *out;
	char buf[WORD_MAX_BYTES];
	uint32_t off[WORD_MAX_CHARS + 1]; /* byte offset of each stored char */
	size_t nbytes, nchars;            /* nchars counts every char, stored or not */
} word;

/* Greedy longest-match WordPiece over the current word. */
static void wordpiece(word *w)
{
	const pt_wordpiece *wp = w->wp;
	size_t n = w->nchars;
	if (n == 0)
		return;
	w->nchars = w->nbytes = 0;
	if (n > (size_t)wp->cfg.max_input_chars_per_word || n > WORD_MAX_CHARS) {
		ids_push(w->out, wp->unk);
		return;
	}
	const char *s = w->buf;
	const uint32_t *off = w->off;
	size_t first = w->out->n;
	uint64_t hash[WORD_MAX_CHARS + 1];
	size_t start = 0;
	while (start < n) {
		const table *t = start ? &wp->cont : &wp->full;
		/* hash[e] = hash of chars start..e-1 */
		uint64_t h = FNV_INIT;
		size_t last = start;
		for (size_t e = start + 1; e <= n; e++) {
			if (off[e] - off[start] > t->maxlen)
				break;
			for (size_t i = off[e - 1]; i < off[e]; i++)
				h = fnv_step(h, (unsigned char)s[i]);
			hash[e] = h;
			last = e;
		}
		int32_t id = -1;
		size_t end;
		for (end = last; end > start; end--) {
			id = table_get(t, wp->pool, hash[end], s + off[start], off[end] - off[start]);
			if (id >= 0)
				break;
		}
		if (id < 0) {
			w->out->n = first;
			ids_push(w->out, wp->unk);
			return;
		}
		ids_push(w->out, id);
		start = end;
	}
}

static inline void word_end(word *w)
{
	if (w->nchars)
		wordpiece(w);
}

static inline void word_add(word *w, uint32_t c)
{
	if (w->nchars < WORD_MAX_CHARS) {
		if (w->nchars == 0)
			w->off[0] = 0;
		w->nbytes += utf8_encode(c, w->buf + w->nbytes);
		w->off[w->nchars + 1] = (uint32_t)w->nbytes;
	}
	w->nchars++;
}

/* A normalized character: the pre-tokenizer's decision. */
static inline void emit(word *w, uint32_t c)
{
	if (is_ws(c)) {
		word_end(w);
	} else if (is_punct(c)) {
		word_end(w);
		word_add(w, c);
		word_end(w);
	} else {
		word_add(w, c);
	}
}

static inline void emit_lower(word *w, uint32_t c)
{
	if (!w->wp->cfg.lowercase) {
		emit(w, c);
	} else if (c == 0x130) {
		emit(w, 'i');
		emit(w, 0x307);
	} else {
		emit(w, (uint32_t)utf8proc_tolower((utf8proc_int32_t)c));
	}
}

/* One original non-ASCII character through the normalizer. */
static void normalize_char(word *w, uint32_t c)
{
	const pt_wp_config *cfg = &w->wp->cfg;
	if (cfg->clean_text) {
		if (c == 0xFFFD || is_control(c))
			return;
		if (is_ws(c))
			c = ' ';
	}
	int cjk = cfg->handle_chinese_chars && is_chinese(c);
	if (cjk)
		word_end(w);
	if (cfg->strip_accents && c >= 0x80) {
		utf8proc_int32_t d[32];
		int last = 0;
		utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, d, 32,
							     UTF8PROC_DECOMPOSE, &last);
		if (k < 0 || k > 32) {
			emit_lower(w, c);
		} else {
			for (utf8proc_ssize_t i = 0; i < k; i++)
				if (utf8proc_category(d[i]) != UTF8PROC_CATEGORY_MN)
					emit_lower(w, (uint32_t)d[i]);
		}
	} else {
		emit_lower(w, c);
	}
	if (cjk)
		word_end(w);
}

/* Normalizes, pre-tokenizes and WordPieces a segment free of special tokens. */
static void tokenize_segment(word *w, const unsigned char *s, size_t n)
{
	const pt_wp_config *cfg = &w->wp->cfg;
	size_t i = 0;
	while (i < n) {
		uint32_t c = s[i];
		if (c < 0x80) {  /* ASCII fast path */
			i++;
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				word_end(w);
			} else if (c < 0x20 || c == 0x7F) {
				if (!cfg->clean_text)
					emit(w, c);
				/* else dropped (control; 0 too) */
			} else if (is_ascii_punct(c)) {
				word_end(w);
				word_add(w, c);
				word_end(w);
			} else {
				if (cfg->lowercase && c >= 'A' && c <= 'Z')
					c += 32;
				word_add(w, c);
			}
			continue;
		}
		size_t len = wp_utf8_decode(s + i, n - i, &c);
		if (len == 0) {
			c = 0xFFFD;
			len = 1;
		}
		i += len;
		normalize_char(w, c);
	}
	word_end(w);
}

void wp_tokenize(const pt_wordpiece *wp, const char *text, size_t len, pt_ids *out)
{
	word w;
	w.wp = wp;
	w.out = out;
	w.nbytes = w.nchars = 0;
	const unsigned char *s = (const unsigned char *)text;
	size_t seg = 0;
	if (wp->nspecial) {
		for (size_t i = 0; i < len; i++) {
			if (!wp->special_first[s[i]])
				continue;
			size_t best = 0;
			int32_t id = -1;
			for (size_t k = 0; k < wp->nspecial; k++) {
				size_t l = wp->special[k].len;
				if (l > best && l <= len - i && memcmp(s + i, wp->pool + wp->special[k].off, l) == 0) {
					best = l;
					id = wp->special[k].id;
				}
			}
			if (!best)
				continue;
			tokenize_segment(&w, s + seg, i - seg);
			ids_push(out, id);
			i += best - 1;
			seg = i + 1;
		}
	}
	tokenize_segment(&w, s + seg, len - seg);
}

/* ---- template and truncation ---- */

void wp_longest_first(size_t n1, size_t n2, size_t max, size_t *out1, size_t *out2)
{
	if (n1 + n2 <= max) {
		*out1 = n1;
		*out2 = n2;
		return;
	}
	int swap = 0;
	if (n1 > n2) {
		size_t t = n1; n1 = n2; n2 = t;
		swap = 1;
	}
	if (n1 > max)
		n2 = n1;
	else
		n2 = n1 > max - n1 ? n1 : max - n1;
	if (n1 + n2 > max) {
		n1 = max / 2;
		n2 = n1 + max % 2;
	}
	if (swap) {
		size_t t = n1; n1 = n2; n2 = t;
	}
	*out1 = n1;
	*out2 = n2;
}

void wp_encode(const pt_wordpiece *wp, const char *a, size_t alen,
	       const char *b, size_t blen, pt_encoding *enc)
{
	enc->a.n = enc->b.n = enc->ids.n = enc->type_ids.n = 0;
	wp_tokenize(wp, a, alen, &enc->a);
	if (b)
		wp_tokenize(wp, b, blen, &enc->b);
	size_t na = enc->a.n, nb = enc->b.n;
	size_t max = wp->cfg.max_length;
	if (max) {
		size_t room = max - (b ? 3 : 2);
		if (b)
			wp_longest_first(na, nb, room, &na, &nb);
		else if (na > room)
			na = room;
	}
	ids_push(&enc->ids, wp->cls);
	ids_push(&enc->type_ids, 0);
	for (size_t i = 0; i < na; i++) {
		ids_push(&enc->ids, enc->a.v[i]);
		ids_push(&enc->type_ids, 0);
	}
	ids_push(&enc->ids, wp->sep);
	ids_push(&enc->type_ids, 0);
	if (b) {
		for (size_t i = 0; i < nb; i++) {
			ids_push(&enc->ids, enc->b.v[i]);
			ids_push(&enc->type_ids, 1);
		}
		ids_push(&enc->ids, wp->sep);
		ids_push(&enc->type_ids, 1);
	}
}

void wp_encoding_free(pt_encoding *enc)
{
	free(enc->ids.v);
	free(enc->type_ids.v);
	free(enc->a.v);
	free(enc->b.v);
	memset(enc, 0, sizeof *enc);
}
