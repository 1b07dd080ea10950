#!/bin/bash
# predict on tiny random models made by tests/golden/make_checkpoint_fixtures.py:
# logits within 1e-4 (relative) of transformers', argmax predictions, labels
# and eval_loss; regression output; -o; input without labels; and the
# whole pipeline tok | collate | predict | glue-metric on MRPC lines.
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
for t in predict msgpack2json json2msgpack; do [ -x "$BINDIR/$t" ] || skip "$t not built"; done

# "idx logit logit ..." per example, from predict's records or an expected json
logits_of_records() { "$BINDIR/msgpack2json" | sed 's/.*"idx": \([0-9]*\).*"logits": \[\([^]]*\)\].*/\1 \2/; s/,//g'; }
logits_of_json() {
	tr -d '\n' <"$1" | sed 's/.*"logits": \[\[//; s/\]\].*//; s/\], \[/\n/g; s/,//g' | awk '{print NR-1, $0}'
}
eval_loss_of_json() { tr -d '\n' <"$1" | sed 's/.*"eval_loss": \([-0-9.e]*\).*/\1/'; }

# --help shows the real pipeline
"$BINDIR/predict" --help | grep -q 'tok --model M --task mrpc < dev.tsv | collate | predict --model run | glue-metric mrpc' \
	|| fail "--help lacks the pipeline"

# classification: logits, predictions, labels, eval_loss
"$BINDIR/predict" --model "$F/cls" <"$F/cls_batches.mpk" >"$T/cls.mpk" 2>"$T/cls.err" || fail "predict cls: $(cat "$T/cls.err")"
logits_of_records <"$T/cls.mpk" >"$T/got"
logits_of_json "$F/cls_expected.json" >"$T/want"
[ "$(wc -l <"$T/got")" -eq 11 ] || fail "expected 11 records, got $(wc -l <"$T/got")"
close_rows 1e-4 "$T/got" "$T/want" || fail "cls logits differ from transformers"
preds=$("$BINDIR/msgpack2json" <"$T/cls.mpk" | sed 's/.*"prediction": \([0-9]*\).*/\1/' | tr '\n' ' ')
want=$(tr -d '\n' <"$F/cls_expected.json" | sed 's/.*"prediction": \[\([^]]*\)\].*/\1/; s/,//g')
[ "$preds" = "$want " ] || fail "predictions '$preds', transformers '$want'"
"$BINDIR/msgpack2json" <"$T/cls.mpk" | head -1 | grep -Eq '^\{"idx": 0, "label": [01], "logits": \[[^]]*\], "prediction": [01]\}$' \
	|| fail "record layout: $("$BINDIR/msgpack2json" <"$T/cls.mpk" | head -1)"
got=$(sed -n 's/^{"eval_loss": \([-0-9.e]*\), "eval_samples": 11}$/\1/p' "$T/cls.err")
[ -n "$got" ] || fail "no eval_loss line: $(cat "$T/cls.err")"
awk -v a="$got" -v b="$(eval_loss_of_json "$F/cls_expected.json")" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-5 * b) }' \
	|| fail "eval_loss $got, transformers $(eval_loss_of_json "$F/cls_expected.json")"

# regression: float label, logits only
"$BINDIR/predict" --model "$F/reg" "$F/reg_batches.mpk" >"$T/reg.mpk" 2>"$T/reg.err" || fail "predict reg"
logits_of_records <"$T/reg.mpk" >"$T/got"
logits_of_json "$F/reg_expected.json" >"$T/want"
close_rows 1e-4 "$T/got" "$T/want" || fail "reg logits differ from transformers"
"$BINDIR/msgpack2json" <"$T/reg.mpk" | head -1 | grep -Eq '^\{"idx": 0, "label": [0-9.]+, "logits": \[[-0-9.e]+\]\}$' \
	|| fail "regression record: $("$BINDIR/msgpack2json" <"$T/reg.mpk" | head -1)"
grep -q '"eval_loss"' "$T/reg.err" || fail "no eval_loss for regression"

# -o: the same bytes, atomically; --device cpu
"$BINDIR/predict" --model "$F/cls" --device cpu -o "$T/o.mpk" "$F/cls_batches.mpk" 2>/dev/null || fail "predict -o"
cmp -s "$T/o.mpk" "$T/cls.mpk" || fail "-o output differs from stdout"
ls "$T" | grep -q 'o.mpk.tmp' && fail "temporary file left"

# no labels: no label field, no eval_loss
"$BINDIR/msgpack2json" <"$F/cls_batches.mpk" | sed 's/"labels": \[[^]]*\], //' | "$BINDIR/json2msgpack" >"$T/nolab.mpk"
"$BINDIR/predict" --model "$F/cls" <"$T/nolab.mpk" >"$T/nolab.out" 2>"$T/nolab.err" || fail "predict without labels"
[ -s "$T/nolab.err" ] && fail "stderr without labels: $(cat "$T/nolab.err")"
"$BINDIR/msgpack2json" <"$T/nolab.out" | grep -q '"label"' && fail "label written for unlabelled input"
logits_of_records <"$T/nolab.out" >"$T/got"
logits_of_json "$F/cls_expected.json" >"$T/want"
close_rows 1e-4 "$T/got" "$T/want" || fail "unlabelled logits differ"

# a bare BertModel checkpoint: loads, reports the new head
"$BINDIR/predict" --model "$F/bare" --allow-new-head "$F/bare_batches.mpk" >/dev/null 2>"$T/bare.err" || fail "predict bare"
grep -q 'newly initialized (seed 42): classifier.weight, classifier.bias' "$T/bare.err" || fail "bare report: $(cat "$T/bare.err")"

# the whole pipeline on the tiny model's vocabulary
if [ -x "$BINDIR/tok" ] && [ -x "$BINDIR/collate" ] && [ -x "$BINDIR/glue-metric" ] && [ -f "$DATA/glue/MRPC/dev.tsv" ]; then
	head -21 "$DATA/glue/MRPC/dev.tsv" | "$BINDIR/tok" --model "$F/cls" --task mrpc | "$BINDIR/collate" \
		| "$BINDIR/predict" --model "$F/cls" 2>/dev/null | "$BINDIR/glue-metric" mrpc >"$T/m.json" || fail "pipeline"
	grep -Eq '^\{"accuracy": [0-9.]+, "f1": [0-9.]+\}$' "$T/m.json" || fail "pipeline metric: $(cat "$T/m.json")"
fi
echo ok
