#!/bin/bash
# msgpack2json as the view for debugging streams: --pretty keeps arrays of
# numbers on one line (a collated MRPC batch of 8 is 36 lines, `head -30`
# shows its padded rows); --tokens MODEL adds the ids as the model's tokens
# after input_ids, per row in batches.
. "$PT_ROOT/tests/cli/lib.sh"
M2J=$BINDIR/msgpack2json
M=$DATA/bert/bert-base-uncased
[ -f "$M/vocab.txt" ] || skip "no bert-base-uncased vocabulary in $DATA"
head -n 9 "$DATA/glue/MRPC/dev.tsv" | "$BINDIR/tok" --model "$M" --task mrpc > "$T/tok.mpk" || fail tok
"$BINDIR/collate" < "$T/tok.mpk" > "$T/batch.mpk" || fail collate
# one batch of 8: a line per row of each field
$M2J --pretty "$T/batch.mpk" > "$T/p.json" || fail "--pretty"
n=$(wc -l < "$T/p.json")
[ "$n" -eq 36 ] || fail "one batch of 8 is $n lines with --pretty, expected 36"
head -n 30 "$T/p.json" | grep -Eq '^    \[101(, [0-9]+)*, 102(, 0)+\],$' || fail "head -30 shows no padded row: $(head -30 "$T/p.json")"
grep -Eq '^    \[1(, 1)*(, 0)+\],$' "$T/p.json" || fail "no padded attention_mask row on one line"
grep -q '^  "idx": \[0, 1, 2, 3, 4, 5, 6, 7\],$' "$T/p.json" || fail "idx not on one line"
"$BINDIR/json2msgpack" < "$T/p.json" | cmp -s - "$T/batch.mpk" || fail "--pretty does not read back byte for byte"
# --tokens: the first dev example as bert-base-uncased's tokens, [PAD] for padding
$M2J --tokens "$M" "$T/tok.mpk" > "$T/all.json" || fail "--tokens"
head -n 1 "$T/all.json" > "$T/t.json"
grep -q '"input_ids": \[101, 2002, 2056, 1996, 9440, 2121, 7903, 2063, 11345, [0-9, ]*\], "tokens": \["\[CLS\]", "he", "said", "the", "foods", "##er", "##vic", "##e", "pie", ' "$T/t.json" \
	|| fail "--tokens on a tok record: $(cut -c1-300 "$T/t.json")"
grep -q '"\[SEP\]"\], "token_type_ids"' "$T/t.json" || fail "tokens do not end with [SEP] before token_type_ids"
$M2J --pretty --tokens "$M" "$T/batch.mpk" > "$T/tb.json" || fail "--pretty --tokens"
[ "$(grep -c '^    \["\[CLS\]", ' "$T/tb.json")" -eq 8 ] || fail "not one token row per example: $(head -30 "$T/tb.json")"
grep -q '"\[PAD\]"\],$' "$T/tb.json" || fail "padding is not shown as [PAD]"
# as many token rows as id rows, and as many tokens as ids in each
awk '/"input_ids": \[$/ { f = 1; next } /"tokens": \[$/ { f = 2; next } /^  \]/ { f = 0 }
	{ sub(/,$/, "") } f == 1 { ids[++n] = split($0, a, ", ") } f == 2 { tok[++m] = split($0, a, "\", \"") }
	END { if (n != 8 || m != 8) exit 1; for (i = 1; i <= n; i++) if (ids[i] != tok[i]) exit 1 }' "$T/tb.json" \
	|| fail "input_ids and tokens rows differ"
# an id outside the vocabulary is null; a bad model folder is one error line
printf '{"input_ids": [101, 999999, 102], "x": 1}\n' | "$BINDIR/json2msgpack" | $M2J --tokens "$M" > "$T/o.json"
grep -qxF '{"input_ids": [101, 999999, 102], "tokens": ["[CLS]", null, "[SEP]"], "x": 1}' "$T/o.json" || fail "out-of-vocabulary id: $(cat "$T/o.json")"
expect_fail 1 'msgpack2json: .*nowhere' $M2J --tokens "$T/nowhere" "$T/tok.mpk"
exit 0
