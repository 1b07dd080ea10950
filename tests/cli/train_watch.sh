# Issue 15 item 5: watching a run. log.tsv and trainer_state.json are in the
# output folder while the run goes (written at each logging step and each
# evaluation), the progress bar shows the evaluation, and its steps/s
# counts training steps only.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=$BINDIR:$PATH
mkdir "$T/snap"
# the metric takes a copy of the live files at each evaluation (after epoch 1 and 2), then sleeps 1 s
cat >"$T/snapshot.sh" <<EOF
#!/bin/sh
n=\$(ls "$T/snap" | wc -l)
cp "$T/a/log.tsv" "$T/snap/\$n.log.tsv" && cp "$T/a/trainer_state.json" "$T/snap/\$n.state.json" || exit 3
sleep 1
glue-metric mrpc
EOF
chmod +x "$T/snapshot.sh"
train_tiny "$T/a" --epochs 2 --logging-steps 2 --save-steps 0 --eval "$T/eval.mpk" --metric "$T/snapshot.sh" \
	--progress </dev/null 2>"$T/a.log" || fail "train: $(tr '\r' '\n' <"$T/a.log" | tail -n 5)"
# at the first evaluation (step 8): the losses of steps 2, 4, 6, 8 and the state at step 8
[ "$(grep -c '	loss	' "$T/snap/0.log.tsv")" -eq 4 ] || fail "live log.tsv at step 8: $(cat "$T/snap/0.log.tsv")"
grep -q '"global_step": 8,' "$T/snap/0.state.json" || fail "live trainer_state.json at step 8: $(head -c 300 "$T/snap/0.state.json")"
# at the second: the first evaluation is in both
grep -q '^8	eval_accuracy	' "$T/snap/2.log.tsv" || fail "the first evaluation is not in the live log.tsv: $(cat "$T/snap/2.log.tsv")"
grep -q '"eval_accuracy": ' "$T/snap/2.state.json" || fail "the first evaluation is not in the live trainer_state.json"
# no temporary files were left beside them
ls -a "$T/a" | grep -q 'tmp' && fail "temporary files left in the output folder: $(ls -a "$T/a")"

# the progress bar: an evaluation bar, and a training rate that leaves the evaluations' 2 s out
tr '\r' '\n' <"$T/a.log" >"$T/bar.txt"
grep -Eq 'eval \[#+ *\] 4/4 batches' "$T/bar.txt" || fail "no evaluation progress: $(grep -a eval "$T/bar.txt" | head -n 3)"
rate=$(grep -Eo '16/16  [0-9.]+ steps/s' "$T/bar.txt" | tail -n 1 | awk '{ print $2 }')
[ -n "$rate" ] || fail "no final progress line: $(tail -n 3 "$T/bar.txt")"
# with the evaluations counted the rate could not exceed 16 steps / 2 s = 8
awk -v r="$rate" 'BEGIN { exit !(r > 10) }' || fail "the progress rate $rate steps/s counts the evaluations' time"
exit 0
