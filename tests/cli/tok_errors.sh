#!/bin/bash
# tok: bad input and bad options give one clear line, exit 1 (2 for usage),
# and no partial -o file.
. "$PT_ROOT/tests/cli/lib.sh"
M=$DATA/bert/bert-base-uncased
[ -d "$M" ] || skip "no bert-base-uncased in $DATA/bert"
TOK=$BINDIR/tok

printf 'sentence\tlabel\nfine\t1\nab\377c\t0\n' >"$T/utf8.tsv"
expect_fail 1 "utf8.tsv: line 3, column 3 \(field 'sentence'\): invalid UTF-8" "$TOK" -m "$M" -t sst2 "$T/utf8.tsv"
printf 'sentence\tlabel\nok\t1\nbad\t0\textra\n' >"$T/fields.tsv"
expect_fail 1 "fields.tsv: line 3: expected 2 tab-separated fields, got 3" "$TOK" -m "$M" -t sst2 "$T/fields.tsv"
printf 'text\tlabel\nok\t1\n' >"$T/col.tsv"
expect_fail 1 "col.tsv: line 1: no column 'sentence' in the header" "$TOK" -m "$M" -t sst2 "$T/col.tsv"
printf 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n' >"$T/label.tsv"
expect_fail 1 "label.tsv: line 2: field 'label': label 'maybe' is not one of entailment,not_entailment" \
	"$TOK" -m "$M" -t rte "$T/label.tsv"
printf '{"s": "ok"}\n{"s": "a\377"}\n' >"$T/bad.jsonl"
expect_fail 1 "bad.jsonl: line 2, column 9: invalid UTF-8" "$TOK" -m "$M" -f jsonl --text-a s "$T/bad.jsonl"
printf '{"s": "ok"}\n{"s": "ok",}\n' >"$T/json.jsonl"
expect_fail 1 "json.jsonl: line 2, column .*: invalid JSON" "$TOK" -m "$M" -f jsonl --text-a s "$T/json.jsonl"
printf '{"s": "ok"}\n{"t": "no s"}\n' >"$T/key.jsonl"
expect_fail 1 "key.jsonl: line 2: field 's': expected a string" "$TOK" -m "$M" -f jsonl --text-a s "$T/key.jsonl"
printf 's,label\n"open,1\n' >"$T/quote.csv"
expect_fail 1 "quote.csv: line 2: end of input inside a quoted field" "$TOK" -m "$M" -f csv --text-a s "$T/quote.csv"

# Missing or unusable model folders.
expect_fail 1 "model '.*/no-such-model': no such folder" "$TOK" -m "$T/no-such-model" -t sst2 "$T/col.tsv"
mkdir "$T/empty"
expect_fail 1 "empty: no tokenizer.json or vocab.txt" "$TOK" -m "$T/empty" -t sst2 "$T/col.tsv"
mkdir "$T/nocls" && printf '[PAD]\n[UNK]\n[SEP]\nhello\n' >"$T/nocls/vocab.txt"
expect_fail 1 "nocls/vocab.txt: special token '\[CLS\]' is not in the vocabulary" "$TOK" -m "$T/nocls" -t sst2 "$T/col.tsv"
expect_fail 1 "no-such.tsv: No such file or directory" "$TOK" -m "$M" -t sst2 "$T/no-such.tsv"

# A failing run leaves no output file behind, and no temporary either.
"$TOK" -m "$M" -t sst2 "$T/fields.tsv" -o "$T/out.mpk" 2>/dev/null && fail "tok accepted a bad line"
[ ! -e "$T/out.mpk" ] || fail "partial output left behind"
! ls "$T"/out.mpk.* >/dev/null 2>&1 || fail "temporary output left behind"

# Usage errors exit 2.
expect_fail 1 "model '.*/nope' \\(from PIPETUNE_MODEL\\): no such folder" env PIPETUNE_MODEL="$T/nope" "$TOK" -t sst2
expect_fail 2 "unknown task 'nope'" "$TOK" -m "$M" -t nope
expect_fail 2 "--max-length: expected an integer in \[3, " "$TOK" -m "$M" -t sst2 --max-length 2
expect_fail 2 "--format: expected tsv, csv or jsonl" "$TOK" -m "$M" -t sst2 -f xml
expect_fail 2 "give --task or --text-a" "$TOK" -m "$M" -f jsonl
expect_fail 1 "/dev/null: empty input: no header to recognise the task from: give --task" "$TOK" -m "$M" /dev/null
