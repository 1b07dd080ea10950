#!/bin/bash
# collate, glue-metric, msgpack2json, json2msgpack on bad input and bad options:
# one stderr line naming the input/record/field, exit 1 (2 for usage), no -o file.
. "$PT_ROOT/tests/cli/lib.sh"
J2M=$BINDIR/json2msgpack M2J=$BINDIR/msgpack2json C=$BINDIR/collate G=$BINDIR/glue-metric
rec='{"idx": 0, "label": 1, "input_ids": [101, 102], "token_type_ids": [0, 0], "attention_mask": [1, 1], "prediction": 1}'
printf '%s\n%s\n' "$rec" "$rec" | $J2M >"$T/good.mpk" || fail "json2msgpack"
j2m() { printf '%s\n' "$@" | $J2M >"$T/bad.mpk" || fail "json2msgpack: $*"; }

# truncated and corrupt streams
head -c $(( $(stat -c %s "$T/good.mpk") - 3 )) "$T/good.mpk" >"$T/trunc.mpk"
printf '\xc1\x00' >"$T/corrupt.mpk"
for tool in "$C" "$M2J" "$G mrpc"; do
	expect_fail 1 "trunc.mpk: record 1: truncated" $tool "$T/trunc.mpk"
	expect_fail 1 "corrupt.mpk: record 0: malformed" $tool "$T/corrupt.mpk"
done
# a record that is not a map
printf '\x93\x01\x02\x03' >"$T/array.mpk"
expect_fail 1 "array.mpk: record 0: expected a map" $C "$T/array.mpk"
expect_fail 1 "array.mpk: record 0: expected a map" $G sst2 "$T/array.mpk"
expect_fail 1 "array.mpk: record 0: expected a map" $M2J "$T/array.mpk"

# collate: wrong field types, missing fields, inconsistent records
j2m '{"idx": 0, "label": 1, "input_ids": "101 102"}'
expect_fail 1 "bad.mpk: record 0: field 'input_ids': expected an array of integers, got a string" $C "$T/bad.mpk"
j2m '{"idx": 0, "label": 1}'
expect_fail 1 "record 0: field 'input_ids': missing" $C "$T/bad.mpk"
j2m "$rec" '{"idx": 1, "input_ids": [101, 102], "token_type_ids": [0, 0], "attention_mask": [1, 1]}'
expect_fail 1 "record 1: field 'label': missing .*labels on all records or none" $C "$T/bad.mpk"
j2m "$rec" '{"idx": 1, "label": 0, "input_ids": [101, 102], "token_type_ids": [0], "attention_mask": [1, 1]}'
expect_fail 1 "record 1: field 'token_type_ids': has 1 elements, input_ids has 2" $C "$T/bad.mpk"
j2m '{"idx": 0, "input_ids": [101, 102.5]}'
expect_fail 1 "record 0: field 'input_ids': element 1: expected an integer, got a float" $C "$T/bad.mpk"
j2m '{"idx": [0], "input_ids": [101]}'
expect_fail 1 "record 0: field 'idx': expected a scalar" $C "$T/bad.mpk"
expect_fail 1 "record 1: truncated" $C -o "$T/out.mpk" "$T/trunc.mpk"
[ -e "$T/out.mpk" ] && fail "partial -o output left behind"
ls "$T" | grep -q 'out.mpk.tmp' && fail "temporary -o file left behind"
expect_fail 1 "nosuch.mpk: cannot open" $C "$T/nosuch.mpk"

# glue-metric: missing label, wrong types
j2m '{"idx": 0, "label": 1, "prediction": 1}' '{"idx": 1, "prediction": 0}'
expect_fail 1 "bad.mpk: record 1: field 'label': missing" $G mrpc "$T/bad.mpk"
j2m '{"idx": 0, "label": 1, "logits": "x"}'
expect_fail 1 "record 0: field 'logits': expected an array of numbers, got a string" $G sst2 "$T/bad.mpk"
j2m '{"idx": 0, "label": 1}'
expect_fail 1 "record 0: field 'logits': missing" $G cola "$T/bad.mpk"
j2m '{"idx": 0, "label": 2, "prediction": 1}' '{"idx": 1, "label": 0, "prediction": 0}'  '{"idx": 2, "label": 1, "prediction": 1}'
expect_fail 1 "record 0: field 'label': 2 is not a class of the task \(0 to 1\)" $G mrpc -o "$T/m.json" "$T/bad.mpk"
[ -e "$T/m.json" ] && fail "partial glue-metric -o output"
printf '' | $G sst2 >/dev/null 2>&1 && fail "empty input accepted"

# json2msgpack: invalid JSON names line and column
printf '{"a": 1}\n{"a": [1, 2}\n' >"$T/bad.jsonl"
expect_fail 1 "bad.jsonl: line 2, column 12: " $J2M "$T/bad.jsonl"
printf '[1, 2]\n' >"$T/arr.jsonl"
expect_fail 1 "arr.jsonl: line 1: expected a JSON object" $J2M "$T/arr.jsonl"
printf '{"a": 1, "a": 2}\n' >"$T/dup.jsonl"
expect_fail 1 "dup.jsonl: line 1, column" $J2M "$T/dup.jsonl"
printf '{"a": 99999999999999999999}\n' >"$T/big.jsonl"
expect_fail 1 "big.jsonl: line 1, column" $J2M -o "$T/big.mpk" "$T/big.jsonl"
[ -e "$T/big.mpk" ] && fail "partial json2msgpack -o output"

# usage errors
expect_fail 2 "batch-size" $C --batch-size 0
expect_fail 2 "batch-size" $C --batch-size x
expect_fail 2 "seed needs --shuffle" $C --seed 3
expect_fail 2 "unknown option|unrecognized" $C --nope
expect_fail 2 "missing TASK" $G
expect_fail 2 "unknown TASK 'sts-b'" $G sts-b
expect_fail 2 "unknown option|unrecognized" $M2J --nope
expect_fail 2 "at most one input" $J2M a b

# --help shows a real pipeline
for tool in "$C" "$G" "$M2J" "$J2M"; do
	$tool --help | grep -q '|' || fail "$tool --help has no pipeline"
done
echo ok
