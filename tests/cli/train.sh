# train end to end on a tiny model: outputs, logs, evaluation through a
# metric command, the saved model folder read back by predict, and
# determinism (same seed twice: bit-identical weights).
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=$BINDIR:$PATH
train_tiny "$T/a" --epochs 2 --eval "$T/eval.mpk" --metric 'glue-metric mrpc' 2>"$T/a.log" \
	|| fail "train: $(cat "$T/a.log")"
for f in model.safetensors config.json vocab.txt trainer_state.json log.tsv checkpoint-4/optimizer.safetensors \
	checkpoint-16/model.safetensors; do
	[ -s "$T/a/$f" ] || fail "missing $f"
done
ls -a "$T/a" | grep -q tmp && fail "temporary files left in the output dir: $(ls -a "$T/a")"
# 8 batches an epoch, 2 epochs: 16 steps, a loss every 4, eval after each epoch
[ "$(grep -c '"loss"' "$T/a.log")" -eq 4 ] || fail "expected 4 loss lines: $(cat "$T/a.log")"
[ "$(grep -c '"eval_accuracy"' "$T/a.log")" -eq 2 ] || fail "expected 2 eval lines: $(cat "$T/a.log")"
grep -q '"global_step": 16' "$T/a/trainer_state.json" || fail "trainer_state.json: $(head -c 300 "$T/a/trainer_state.json")"
grep -q '^16	train_loss	' "$T/a/log.tsv" || fail "log.tsv has no train_loss"
grep -q '"learning_rate": 0.0, "epoch": 2.0, "step": 16' "$T/a.log" || fail "the schedule does not end at 0 on step 16"
# the final model is a model folder: predict reads it, with tok's vocab
"$BINDIR/predict" --model "$T/a" < "$T/eval.mpk" > "$T/pred.mpk" 2>"$T/pred.log" || fail "predict: $(cat "$T/pred.log")"
"$BINDIR/glue-metric" mrpc < "$T/pred.mpk" > "$T/m.json" || fail glue-metric
grep -Eq '^\{"accuracy": [0-9.e-]+, "f1": [0-9.e-]+\}$' "$T/m.json" || fail "metrics: $(cat "$T/m.json")"
# the last eval during training scored the same model: same accuracy
acc=$(sed 's/.*"accuracy": \([^,]*\),.*/\1/' "$T/m.json")
tail -n 3 "$T/a.log" | grep -q "\"eval_accuracy\": $acc," || fail "final eval accuracy differs from predict's $acc"
# same seed: bit-identical; another seed: different
train_tiny "$T/b" --epochs 2 2>/dev/null || fail "second run"
cmp -s "$T/a/model.safetensors" "$T/b/model.safetensors" || fail "same seed, different weights"
train_tiny "$T/c" --epochs 2 --seed 7 2>/dev/null || fail "third run"
cmp -s "$T/a/model.safetensors" "$T/c/model.safetensors" && fail "seed 7 gave the same weights as seed 42"
# --max-steps, --save-total-limit
train_tiny "$T/d" --max-steps 12 --save-total-limit 2 2>/dev/null || fail "max-steps run"
[ "$(ls -d "$T"/d/checkpoint-* | wc -l)" -eq 2 ] && [ -d "$T/d/checkpoint-12" ] && [ -d "$T/d/checkpoint-8" ] \
	|| fail "save-total-limit 2 kept: $(ls "$T/d")"
# --allreduce: a usage error, and NCCL without a GPU
expect_fail 2 "train: --allreduce: expected auto, mpi or nccl, got 'tcp'" train_tiny "$T/e" --allreduce tcp
expect_fail 2 "^train: --eval-strategy: expected no, epoch or steps, got 'often'$" train_tiny "$T/e" --eval-strategy often
expect_fail 1 "^train: --allreduce nccl: NCCL reduces GPU memory; add --device cuda$" \
	train_tiny "$T/e" --max-steps 1 --allreduce nccl
[ -e "$T/e/model.safetensors" ] && fail "a refused run wrote a model"
exit 0
