#!/bin/bash
# tok gives the ids of HF BertTokenizerFast(truncation=True) for every example
# of every GLUE file, with bert-base-uncased and bert-base-cased
# (fixtures: tests/golden/make_tok_fixtures.py). About 10 s (15 s under ASan).
. "$PT_ROOT/tests/cli/lib.sh"
FIX=$PT_ROOT/tests/golden/fixtures/tok
[ -d "$DATA/glue" ] || skip "no GLUE data in $DATA"
[ -x "$BINDIR/msgpack2json" ] || skip "needs msgpack2json"
declare -A DIR=([cola]=CoLA [sst2]=SST-2 [mrpc]=MRPC [stsb]=STS-B [qnli]=QNLI [rte]=RTE [wnli]=WNLI [ax]=diagnostic)
n=0
for fx in "$FIX"/glue/*.txt.gz; do
	name=$(basename "$fx" .txt.gz); task=${name%%_*}; split=${name#*_}
	tsv=$DATA/glue/${DIR[$task]}/$split.tsv
	[ -f "$tsv" ] || fail "$tsv missing"
	col=2
	for model in bert-base-uncased bert-base-cased; do
		"$BINDIR/tok" --model "$DATA/bert/$model" --task "$task" "$tsv" -o "$T/out.mpk" ||
			fail "tok $model $task $split failed"
		"$BINDIR/msgpack2json" "$T/out.mpk" | awk -f "$PT_ROOT/tests/cli/tok_digest.awk" >"$T/got" ||
			fail "msgpack2json failed"
		gzip -dc "$fx" | cut -d' ' -f1,$col >"$T/want"
		awk -v what="$model $task $split" '
			NR == FNR { want[FNR] = $0; n = FNR; next }
			{ got[FNR] = $0; m = FNR }
			END {
				if (m != n) { printf "%s: %d records, expected %d\n", what, m, n; exit 1 }
				for (i = 1; i <= n; i++) {
					split(want[i], w, " "); split(got[i], g, " ")
					lab = (w[1] == g[1]) || (w[1] != "-" && g[1] != "-" && (w[1] - g[1])^2 <= 1e-12 * (1 + w[1]^2))
					if (!lab || w[2] != g[2]) {
						printf "%s: example idx %d differs: want label/digest %s, got %s\n", what, i - 1, want[i], got[i]
						exit 1
					}
				}
			}' "$T/want" "$T/got" || fail "mismatch"
		col=3
		n=$((n + 1))
	done
done
[ $n -gt 0 ] || fail "no fixture files"
# The full ids of the first examples (glue_head.txt), readable on failure.
heads=0
while read -r name i model want; do
	heads=$((heads + 1))
	task=${name%%_*}; split=${name#*_}
	got=$("$BINDIR/tok" -m "$DATA/bert/$model" -t "$task" "$DATA/glue/${DIR[$task]}/$split.tsv" |
		"$BINDIR/msgpack2json" | sed -n "$((i + 1))p" | awk -v canon=1 -f "$PT_ROOT/tests/cli/tok_digest.awk")
	[ "$got" = "$want" ] || fail "$name $i $model: got $got, want $want"
done < <(grep -E '^(mrpc_dev|cola_test|stsb_dev) ' "$FIX/glue_head.txt")
[ $heads -gt 0 ] || fail "no mrpc_dev, cola_test or stsb_dev lines in $FIX/glue_head.txt"
# --max-length overrides model_max_length (MRPC dev at 32 tokens).
"$BINDIR/tok" -m "$DATA/bert/bert-base-uncased" -t mrpc --max-length 32 "$DATA/glue/MRPC/dev.tsv" |
	"$BINDIR/msgpack2json" | awk -f "$PT_ROOT/tests/cli/tok_digest.awk" | cut -d' ' -f2 >"$T/got"
cmp -s "$T/got" "$FIX/mrpc_dev_ml32.txt" || fail "--max-length 32 differs from the reference: $(diff "$T/got" "$FIX/mrpc_dev_ml32.txt" | head -3)"
echo "$n file/model runs identical to BertTokenizerFast"
