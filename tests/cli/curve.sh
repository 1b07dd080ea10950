#!/bin/bash
# pipelines/curve.gp on a real train log: the training loss is one joined
# line (its series holds the loss points only, none undefined, which would
# break the line between them), the eval metrics are drawn, the timings
# (eval_runtime, eval_samples_per_second, ...) are not.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
command -v gnuplot >/dev/null || skip "no gnuplot"
train_tiny "$T/run" --epochs 2 --logging-steps 2 --save-steps 0 --eval "$T/eval.mpk" \
	--metric "$BINDIR/glue-metric mrpc" 2>"$T/train.err" || fail "train: $(tail -3 "$T/train.err")"
grep -q 'eval_runtime' "$T/run/log.tsv" || fail "log.tsv has no eval_runtime to leave out"
nloss=$(awk -F'\t' '$2 == "loss"' "$T/run/log.tsv" | wc -l)
[ "$nloss" -ge 8 ] || fail "only $nloss loss lines in log.tsv"
# `set table` writes each series' points (x y type; type u = undefined) instead of drawing them
gnuplot -e "logfile='$T/run/log.tsv'; outfile='$T/curve.png'" -e "set table '$T/table'" \
	"$PT_ROOT/pipelines/curve.gp" 2>"$T/gp.err" || fail "gnuplot: $(cat "$T/gp.err")"
titles=$(sed -n 's/^# Curve title: "\(.*\)"$/\1/p' "$T/table" | tr '\n' ' ')
[ "$titles" = "loss eval_loss eval_accuracy eval_f1 " ] || fail "series drawn: $titles"
awk -v n="$nloss" '/^# Curve title: "loss"/ { f = 1; next } /^# Curve/ { f = 0 }
	f && NF == 3 { k++; if ($3 != "i") bad++ }
	END { if (k != n || bad) { print "loss series: " k " points, " bad + 0 " not drawn; log has " n; exit 1 } }' \
	"$T/table" || fail "the loss is not one joined line"
# and the image itself
gnuplot -e "logfile='$T/run/log.tsv'; outfile='$T/curve.png'" "$PT_ROOT/pipelines/curve.gp" 2>"$T/gp.err" || fail "gnuplot: $(cat "$T/gp.err")"
[ "$(head -c 4 "$T/curve.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] || fail "curve.png is not a PNG"
[ ! -s "$T/gp.err" ] || fail "gnuplot warns: $(cat "$T/gp.err")"
exit 0
