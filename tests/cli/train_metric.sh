# Issue 15 item 2: --metric is a real pipeline: the predictions on its
# standard input (a two-command pipeline gets them), train's own folder on
# its PATH, the command checked before the first step, and a metric that
# fails mid-run leaves a checkpoint and stops with the command's status.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=/usr/bin:/bin   # the tools are not on PATH: train's folder must be
TR=$BINDIR/train

# a two-command pipeline, tools found beside train
train_tiny "$T/a" --epochs 1 --eval "$T/eval.mpk" --metric 'msgpack2json | json2msgpack | glue-metric mrpc' \
	</dev/null 2>"$T/a.log" || fail "pipeline metric: $(cat "$T/a.log")"
grep -q '"eval_accuracy": ' "$T/a.log" || fail "no eval_accuracy from the pipeline: $(cat "$T/a.log")"
# the same numbers as the metric alone
train_tiny "$T/b" --epochs 1 --eval "$T/eval.mpk" --metric 'glue-metric mrpc' </dev/null 2>"$T/b.log" || fail "plain metric"
[ "$(grep -o '"eval_accuracy": [^,]*' "$T/a.log")" = "$(grep -o '"eval_accuracy": [^,]*' "$T/b.log")" ] ||
	fail "the pipeline scored differently: $(grep eval_acc "$T/a.log") vs $(grep eval_acc "$T/b.log")"

# checked before the first step: nothing trained, no output folder
expect_fail 2 "^train: --metric: 'glue-metrik': command not found \(looked in train's folder and PATH: " \
	train_tiny "$T/c" --eval "$T/eval.mpk" --metric 'glue-metrik mrpc'
expect_fail 2 "^train: --metric: 'nosuch': command not found" \
	train_tiny "$T/c" --eval "$T/eval.mpk" --metric 'msgpack2json | nosuch -x'
expect_fail 2 "^train: --metric: '/no/such/tool': no such executable" \
	train_tiny "$T/c" --eval "$T/eval.mpk" --metric '/no/such/tool'
[ -e "$T/c" ] && fail "a refused metric left an output folder: $(ls -a "$T/c")"

# a metric failing mid-run (its second evaluation): checkpoint saved, the command's status
cat >"$T/flaky.sh" <<EOF
#!/bin/sh
# fails on its second run
if [ -e "$T/ran-once" ]; then cat >/dev/null; exit 7; fi
touch "$T/ran-once"
glue-metric mrpc
EOF
chmod +x "$T/flaky.sh"
train_tiny "$T/d" --epochs 2 --save-steps 0 --eval "$T/eval.mpk" --metric "$T/flaky.sh" </dev/null 2>"$T/d.log"
rc=$?
[ $rc -eq 7 ] || fail "a metric that exits 7 stopped train with $rc: $(cat "$T/d.log")"
grep -q "^train: --metric: '$T/flaky.sh' failed with exit status 7$" "$T/d.log" || fail "no failure line: $(cat "$T/d.log")"
grep -q "^train: stopped at step 16; the model is saved in $T/d/checkpoint-16 " "$T/d.log" || fail "no saved line: $(cat "$T/d.log")"
for f in model.safetensors optimizer.safetensors trainer_state.json config.json vocab.txt; do
	[ -s "$T/d/checkpoint-16/$f" ] || fail "checkpoint-16/$f missing after the failed metric: $(ls "$T/d" "$T/d/checkpoint-16")"
done
# the model is recoverable: predict reads it, and the run resumes to the same weights
"$BINDIR/predict" --model "$T/d/checkpoint-16" "$T/eval.mpk" 2>/dev/null | "$BINDIR/glue-metric" mrpc >/dev/null ||
	fail "predict on the saved checkpoint"
train_tiny "$T/e" --epochs 2 --save-steps 0 </dev/null 2>/dev/null || fail "reference run"
cmp -s "$T/e/model.safetensors" "$T/d/checkpoint-16/model.safetensors" || fail "the saved checkpoint is not the step-16 model"
# killed by a signal: 128 + the signal, not a raw wait status
train_tiny "$T/f" --max-steps 4 --eval-strategy steps --eval-steps 4 --eval "$T/eval.mpk" \
	--metric 'kill -TERM $$' </dev/null 2>"$T/f.log"
rc=$?
[ $rc -eq 143 ] || fail "a metric killed by SIGTERM stopped train with $rc: $(cat "$T/f.log")"
[ -s "$T/f/checkpoint-4/model.safetensors" ] || fail "no checkpoint after the killed metric"
exit 0
