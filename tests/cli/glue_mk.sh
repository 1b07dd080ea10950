#!/bin/bash
# pipelines/glue.mk as an experiment driver, on a tiny model and 48+16 MRPC
# examples: every stage runs once and its stream stays on disk; a changed
# LR, EPOCHS, SEED, MODEL or PRECISION reruns what depends on it and no
# more; rebuilt tools rerun nothing; it runs from another directory; a sweep
# over seeds and learning rates ends with one summary table and its plot;
# make demo passes PRECISION through.
. "$PT_ROOT/tests/cli/lib.sh"
command -v gnuplot >/dev/null || skip "no gnuplot"
[ -f "$DATA/glue/MRPC/train.tsv" ] || skip "no MRPC in $DATA"
. "$PT_ROOT/tests/cli/lib_train.sh"  # the tiny model in $T/tiny
mkdir -p "$T/glue/MRPC" "$T/bin" "$T/elsewhere"
cp -r "$T/tiny" "$T/tiny2"
head -n 49 "$DATA/glue/MRPC/train.tsv" > "$T/glue/MRPC/train.tsv"
head -n 17 "$DATA/glue/MRPC/dev.tsv" > "$T/glue/MRPC/dev.tsv"
# the tools, copied so that "rebuilding" one is a fresh copy
cp "$BINDIR"/tok "$BINDIR"/collate "$BINDIR"/train "$BINDIR"/predict "$BINDIR"/glue-metric "$T/bin/"
cd "$T/elsewhere"  # not the repository: glue.mk finds its own files
O=out/mrpc
mk() { make --no-print-directory -f "$PT_ROOT/pipelines/glue.mk" BIN="$T/bin" MODEL="$T/tiny" \
	GLUE_DIR="$T/glue" EPOCHS=1 TOK_FLAGS="--max-length 64" TRAIN_FLAGS="--from-scratch --no-progress" "$@" >>"$T/make.log" 2>&1; }
# ran STAGE...: what the last make ran (tok collate train predict glue-metric gnuplot)
ran() { grep -oE '^(tok|collate|train|predict|glue-metric|gnuplot) ' "$T/make.log" | sort -u | tr -d ' ' | tr '\n' ' '; }
runs() { : >"$T/make.log"; mk "$@" || fail "make $*: $(tail -5 "$T/make.log")"; ran; }

[ "$(runs)" = "collate glue-metric gnuplot predict tok train " ] || fail "first run: $(ran)"
for f in train.tok.mpk dev.tok.mpk train.batches.mpk dev.batches.mpk dev.predictions.mpk \
	metrics.json curve.png model/model.safetensors tok.settings train.settings; do
	[ -s "$O/$f" ] || fail "$O/$f is not there after the run"
done
grep -qx 'lr=5e-5' $O/train.settings && grep -qx 'precision=fp32' $O/train.settings || fail "train.settings: $(cat $O/train.settings)"
[ "$(runs)" = "" ] || fail "nothing changed, yet it ran: $(ran)"
# a rebuilt tool reruns nothing
sleep 1; cp "$BINDIR/train" "$BINDIR/tok" "$T/bin/"; touch "$T/bin/"*
[ "$(runs)" = "" ] || fail "rebuilt tools rerun: $(ran)"
# each training setting retrains (and rescores), and only that
for s in LR=1e-3 EPOCHS=2 SEED=7; do
	[ "$(runs "$s")" = "glue-metric gnuplot predict train " ] || fail "$s: ran $(ran)"
	grep -q -- "--$(echo "${s%=*}" | tr A-Z a-z) ${s#*=} " "$T/make.log" || fail "$s not passed to train: $(grep ^train "$T/make.log")"
	[ "$(runs "$s")" = "" ] || fail "$s again: ran $(ran)"
done
# LR back to the default: it retrains again (the settings file changed back)
[ "$(runs EPOCHS=2 SEED=7)" = "glue-metric gnuplot predict train " ] || fail "LR back: ran $(ran)"
# another model retokenizes
[ "$(runs EPOCHS=2 SEED=7 MODEL="$T/tiny2")" = "collate glue-metric gnuplot predict tok train " ] || fail "MODEL: ran $(ran)"
# PRECISION reaches train and predict and makes the model stale (the CPU may not run bf16 yet)
: >"$T/make.log"; mk -n EPOCHS=2 SEED=7 MODEL="$T/tiny2" PRECISION=bf16
[ "$(grep -cE '^(train|predict) .*--precision bf16' "$T/make.log")" -eq 2 ] || fail "PRECISION=bf16: $(grep -E '^(train|predict)' "$T/make.log")"
mk EPOCHS=2 SEED=7 MODEL="$T/tiny2" PRECISION=bf16 $O/train.settings || fail "train.settings"
grep -qx 'precision=bf16' $O/train.settings || fail "PRECISION not in train.settings"
mk -q EPOCHS=2 SEED=7 MODEL="$T/tiny2" PRECISION=bf16 $O/model/model.safetensors && fail "PRECISION=bf16 leaves the model up to date"
# the demo logs every 50 steps
: >"$T/make.log"; mk -n OUT=out/other
grep -q '^train .*--logging-steps 50 ' "$T/make.log" || fail "no --logging-steps 50: $(grep ^train "$T/make.log")"

# a sweep: 2 learning rates x 2 seeds, each run in its own folder, one table
: >"$T/make.log"
mk -j2 sweep SEEDS="1 2" LRS="1e-3 5e-5" MODEL="$T/tiny2" || fail "sweep: $(tail -5 "$T/make.log")"
S=$O/sweep
for r in lr1e-3-seed1 lr1e-3-seed2 lr5e-5-seed1 lr5e-5-seed2; do
	[ -s $S/$r/metrics.json ] && [ -s $S/$r/model/model.safetensors ] || fail "sweep: no $S/$r"
	lr=${r#lr}; lr=${lr%-seed*}
	grep -qx "lr=$lr" $S/$r/train.settings && grep -qx "seed=${r#*-seed}" $S/$r/train.settings || fail "$S/$r/train.settings: $(cat $S/$r/train.settings)"
done
[ "$(grep -c '^tok ' "$T/make.log")" -eq 0 ] || fail "the sweep retokenized"
[ "$(grep -c '^train ' "$T/make.log")" -eq 4 ] || fail "the sweep trained $(grep -c '^train ' "$T/make.log") times"
head -n 1 $S/summary.tsv | grep -qx 'lr	runs	seeds	accuracy_mean	accuracy_std	f1_mean	f1_std' || fail "summary header: $(head -n 1 $S/summary.tsv)"
[ "$(wc -l < $S/summary.tsv)" -eq 3 ] || fail "summary: $(cat $S/summary.tsv)"
grep -q '^1e-3	2	1,2	' $S/summary.tsv && grep -q '^5e-5	2	1,2	' $S/summary.tsv || fail "summary rows: $(cat $S/summary.tsv)"
grep -qF "$(cat $S/summary.tsv | head -n 2 | tail -n 1)" "$T/make.log" || fail "the sweep does not print its table"
[ -s $S/summary.png ] || fail "no summary plot"
# mean and std are those of the runs' metrics
a1=$(sed 's/.*"accuracy": \([0-9.]*\).*/\1/' $S/lr1e-3-seed1/metrics.json)
a2=$(sed 's/.*"accuracy": \([0-9.]*\).*/\1/' $S/lr1e-3-seed2/metrics.json)
awk -F'\t' -v a="$a1" -v b="$a2" '$1 == "1e-3" { m = (a + b) / 2; d = a - b; s = sqrt(d * d / 2)
	exit !(($4 - m)^2 < 1e-8 && ($5 - s)^2 < 1e-8) }' $S/summary.tsv || fail "summary mean/std of $a1 $a2: $(cat $S/summary.tsv)"

# make demo passes PRECISION to train and predict
make --no-print-directory -n -C "$PT_ROOT" demo PRECISION=bf16 BINDIR="$T/bin" >"$T/demo.log" 2>&1
[ "$(grep -cE '^(train|predict) .*--precision bf16' "$T/demo.log")" -eq 2 ] || fail "make demo PRECISION=bf16: $(grep -E '^(train|predict)' "$T/demo.log")"
exit 0
