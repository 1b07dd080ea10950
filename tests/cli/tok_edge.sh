#!/bin/bash
# tok on the hand-written edge cases (tests/golden/tok_edge_cases.jsonl:
# accents, special case mappings, CJK, emoji, control/format characters,
# Unicode spaces, 100+ character words, pairs far over 512 tokens, empty
# strings, special tokens in the text) gives BertTokenizerFast's ids, with
# both models, at 512 and at --max-length 20.
. "$PT_ROOT/tests/cli/lib.sh"
FIX=$PT_ROOT/tests/golden/fixtures/tok/edge.txt
IN=$PT_ROOT/tests/golden/tok_edge_cases.jsonl
[ -d "$DATA/bert" ] || skip "no models in $DATA/bert"
[ -x "$BINDIR/msgpack2json" ] || skip "needs msgpack2json"
bad=0
for model in bert-base-uncased bert-base-cased; do
	for ml in 512 20; do
		"$BINDIR/tok" -m "$DATA/bert/$model" -f jsonl --text-a a --text-b b --max-length $ml "$IN" |
			"$BINDIR/msgpack2json" | awk -v canon=1 -f "$PT_ROOT/tests/cli/tok_digest.awk" >"$T/got" ||
			fail "tok $model failed"
		grep "^$model $ml " "$FIX" | cut -d' ' -f4- >"$T/want"
		[ "$(wc -l <"$T/want")" -eq "$(wc -l <"$IN")" ] || fail "fixture has no $model $ml cases"
		paste -d'\n' "$T/want" "$T/got" | awk -v what="$model max_length $ml" '
			NR % 2 == 1 { w = $0; next }
			$0 != w { printf "%s: case %d (line %d of tok_edge_cases.jsonl):\n  want %s\n  got  %s\n", what, NR/2-1, NR/2, w, $0; bad = 1 }
			END { exit bad }' || bad=1
	done
done
[ $bad -eq 0 ] || fail "edge cases differ"
