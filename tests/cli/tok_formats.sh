#!/bin/bash
# tok: GLUE task table (counts, labels, idx, headerless CoLA, test files),
# CSV and JSON Lines inputs with the same ids as TSV, stdin, --help.
. "$PT_ROOT/tests/cli/lib.sh"
M=$DATA/bert/bert-base-uncased
G=$DATA/glue
[ -d "$M" ] && [ -d "$G" ] || skip "no data in $DATA"
[ -x "$BINDIR/msgpack2json" ] || skip "needs msgpack2json"
TOK=$BINDIR/tok
j() { "$BINDIR/msgpack2json" "$@"; }

"$TOK" --help | grep -q "| collate | train" || fail "--help lacks a pipeline example"
# MRPC: 3668/408/1725 records, as HF glue/mrpc.
for s in train:3668 dev:408 test:1725; do
	n=$("$TOK" -m "$M" -t mrpc <"$G/MRPC/${s%:*}.tsv" | j | wc -l)
	[ "$n" -eq "${s#*:}" ] || fail "MRPC ${s%:*}: $n records, expected ${s#*:}"
done
# Labels and idx: RTE strings map to entailment=0, not_entailment=1; test files have no label.
j <("$TOK" -m "$M" -t rte "$G/RTE/dev.tsv") | sed -n 2p | grep -q '^{"idx": 1, "label": 0,' ||
	fail "RTE dev row 1 (entailment) should be idx 1, label 0"
j <("$TOK" -m "$M" -t rte "$G/RTE/test.tsv") | grep -q '"label":' && fail "RTE test has labels"
j <("$TOK" -m "$M" -t stsb "$G/STS-B/dev.tsv") | head -n 1 | grep -q '^{"idx": 0, "label": 5.0,' ||
	fail "STS-B dev row 0 should have the float label 5.0"
j <("$TOK" -m "$M" -t cola "$G/CoLA/dev.tsv") | tail -n 1 | grep -q '^{"idx": 1042, "label": ' ||
	fail "headerless CoLA dev should end at idx 1042"

# The same examples as CSV (quoted fields with commas, quotes and a line
# break) and as JSON Lines give the same records as the TSV.
printf 'sentence1\tsentence2\tlabel\nHe said "hi, there"\tline one\t1\nplain\tsecond, part\t0\n' >"$T/a.tsv"
"$TOK" -m "$M" --text-a sentence1 --text-b sentence2 --label label --label-names no,yes "$T/a.tsv" -o "$T/tsv.mpk"
printf 'sentence1,sentence2,label\r\n"He said ""hi, there""",line one,1\r\nplain,"second, part",0\r\n' >"$T/a.csv"
"$TOK" -m "$M" -f csv --text-a sentence1 --text-b sentence2 --label label --label-names no,yes <"$T/a.csv" >"$T/csv.mpk"
cmp -s "$T/tsv.mpk" "$T/csv.mpk" || fail "CSV and TSV records differ"
printf '{"p": "He said \\"hi, there\\"", "h": "line one", "y": "yes"}\n\n{"p": "plain", "h": "second, part", "y": "no"}\n' >"$T/a.jsonl"
"$TOK" -m "$M" -f jsonl --text-a p --text-b h --label y --label-names no,yes "$T/a.jsonl" -o "$T/jsonl.mpk"
cmp -s "$T/tsv.mpk" "$T/jsonl.mpk" || fail "JSONL and TSV records differ"
# A multi-line quoted CSV field keeps its line break (a space to BERT).
printf 's\n"two\nlines"\n' | "$TOK" -m "$M" -f csv --text-a s | j | grep -q '"input_ids": \[101, 2048, 3210, 102\]' ||
	fail "multi-line CSV field"
# JSONL: a record without text b is a single sentence.
printf '{"p": "a", "h": "b"}\n{"p": "a"}\n' | "$TOK" -m "$M" -f jsonl --text-a p --text-b h | j >"$T/ab"
sed -n 2p "$T/ab" | grep -q '"input_ids": \[101, 1037, 102\]' || fail "JSONL single sentence: $(cat "$T/ab")"
# Headerless TSV with column numbers.
printf 'x\tHello world\t1\n' | "$TOK" -m "$M" --no-header --text-a 1 --label 2 | j |
	grep -q '^{"idx": 0, "label": 1, "input_ids": \[101, 7592, 2088, 102\]' || fail "--no-header"
