#!/bin/bash
# collate: batching, padding, pad-to-multiple-of, drop-last, shuffle, group-by-length.
. "$PT_ROOT/tests/cli/lib.sh"
J2M=$BINDIR/json2msgpack M2J=$BINDIR/msgpack2json C=$BINDIR/collate
# 21 tok-like records, lengths 3..15 (deterministic), plus a passthrough field
for i in $(seq 0 20); do
	len=$(( (i * 7) % 13 + 3 ))
	ids=101; tt=0; am=1
	for ((k = 1; k < len; k++)); do ids="$ids, $((1000 + i * 10 + k))"; tt="$tt, 0"; am="$am, 1"; done
	echo "{\"idx\": $i, \"label\": $((i % 2)), \"input_ids\": [$ids], \"token_type_ids\": [$tt], \"attention_mask\": [$am], \"guid\": \"g$i\"}"
done >"$T/tok.jsonl"
$J2M "$T/tok.jsonl" >"$T/tok.mpk" || fail "json2msgpack"

# default batch size 8: 8 + 8 + 5
$C "$T/tok.mpk" | $M2J >"$T/b.jsonl" || fail "collate"
[ "$(wc -l <"$T/b.jsonl")" -eq 3 ] || fail "expected 3 batches"
head -n 1 "$T/b.jsonl" | grep -q '^{"idx": \[0, 1, 2, 3, 4, 5, 6, 7\], "labels": \[0, 1, 0, 1, 0, 1, 0, 1\], "guid": \["g0", "g1"' \
	|| fail "batch 0 keys/order: $(head -c 200 "$T/b.jsonl")"
tail -n 1 "$T/b.jsonl" | grep -q '^{"idx": \[16, 17, 18, 19, 20\]' || fail "short last batch"
# every row of a batch padded to the longest row (lengths: (i*7)%13+3 ; batch 0 max is 13)
awk -F'"input_ids": ' 'NR==1{print $2}' "$T/b.jsonl" | grep -q '^\[\[101, 1001, 1002, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0\], ' \
	|| fail "row 0 not padded to 13"
grep -q '"attention_mask": \[\[1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0\]' "$T/b.jsonl" || fail "mask padding"

# --pad-id and --pad-to-multiple-of
$C -b 3 --pad-id 7 --pad-to-multiple-of 8 "$T/tok.mpk" | $M2J | head -n 1 >"$T/p.jsonl"
grep -q '"input_ids": \[\[101, 1001, 1002, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7\]' "$T/p.jsonl" \
	|| fail "pad-to-multiple-of 8 (longest 10 -> 16) with pad id 7: $(cat "$T/p.jsonl")"
grep -q '"token_type_ids": \[\[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0\]' "$T/p.jsonl" || fail "token_type_ids pad 0"

# --drop-last and batch sizes that divide / do not divide
[ "$($C -b 8 --drop-last "$T/tok.mpk" | $M2J | wc -l)" -eq 2 ] || fail "drop-last"
[ "$($C -b 7 --drop-last "$T/tok.mpk" | $M2J | wc -l)" -eq 3 ] || fail "drop-last with exact division"
[ "$($C -b 100 "$T/tok.mpk" | $M2J | wc -l)" -eq 1 ] || fail "one big batch"
[ "$($C -b 1 "$T/tok.mpk" | $M2J | wc -l)" -eq 21 ] || fail "batch size 1"

idxs() { $M2J | sed 's/^{"idx": \[\([^]]*\)\].*/\1/' | tr -d ' ' | tr ',' '\n'; }
# --shuffle: deterministic for a seed, a permutation, different seeds differ
$C --shuffle --seed 1 -b 4 "$T/tok.mpk" | idxs >"$T/s1"
$C --shuffle --seed 1 -b 4 "$T/tok.mpk" | idxs >"$T/s1b"
$C --shuffle --seed 2 -b 4 "$T/tok.mpk" | idxs >"$T/s2"
cmp -s "$T/s1" "$T/s1b" || fail "shuffle not deterministic"
cmp -s "$T/s1" "$T/s2" && fail "seeds 1 and 2 gave the same order"
[ "$(sort -n "$T/s1" | tr '\n' ' ')" = "$(seq 0 20 | tr '\n' ' ')" ] || fail "shuffle is not a permutation"
seq 0 20 | cmp -s - "$T/s1" && fail "shuffle kept the input order"
# the labels travel with their examples
$C --shuffle --seed 3 -b 21 "$T/tok.mpk" | $M2J | head -n 1 >"$T/one.jsonl"
ids=$(sed 's/^{"idx": \[\([^]]*\)\].*/\1/' "$T/one.jsonl" | tr -d ' ')
labs=$(sed 's/.*"labels": \[\([^]]*\)\].*/\1/' "$T/one.jsonl" | tr -d ' ')
[ "$(echo "$ids" | tr ',' '\n' | awk '{printf "%s%d", (NR > 1 ? "," : ""), $1 % 2}')" = "$labs" ] || fail "labels not shuffled with idx"

# --group-by-length: the same examples, less padding
padding() { $M2J | grep -o '"attention_mask": .*' | grep -o ' 0' | wc -l; }
p_plain=$($C -b 4 "$T/tok.mpk" | padding)
p_group=$($C -b 4 --group-by-length "$T/tok.mpk" | padding)
[ "$p_group" -lt "$p_plain" ] || fail "group-by-length padding $p_group !< $p_plain"
$C -b 4 --group-by-length --shuffle --seed 5 "$T/tok.mpk" | idxs | sort -n | tr '\n' ' ' >"$T/g"
[ "$(cat "$T/g")" = "$(seq 0 20 | tr '\n' ' ')" ] || fail "group-by-length lost examples"
p_gs=$($C -b 4 --group-by-length --shuffle --seed 5 "$T/tok.mpk" | padding)
[ "$p_gs" -lt "$p_plain" ] || fail "group-by-length --shuffle padding $p_gs !< $p_plain"

# no labels -> no labels key; STS-B float labels keep their type
sed 's/"label": [01], //' "$T/tok.jsonl" | $J2M | $C | $M2J | head -n 1 | grep -q '"labels"' && fail "labels without label"
sed 's/"label": 0,/"label": 3.8,/; s/"label": 1,/"label": 0.25,/' "$T/tok.jsonl" | $J2M | $C -b 2 | $M2J | head -n 1 \
	| grep -q '"labels": \[3.8, 0.25\]' || fail "float labels"

# -o is atomic: nothing left behind on failure, the file on success
$C -o "$T/out.mpk" "$T/tok.mpk" || fail "collate -o"
[ -s "$T/out.mpk" ] && cmp -s "$T/out.mpk" <($C "$T/tok.mpk") || fail "-o output differs"
echo ok
