#!/bin/bash
# Output failures (issue 13): a full disk on standard output is said once
# (defect 5), and a train run that fails before saving anything leaves no
# output folder behind (defect 6), but keeps what resumes.
. "$PT_ROOT/tests/cli/lib.sh"
for t in tok collate msgpack2json json2msgpack glue-metric predict train; do
	[ -x "$BINDIR/$t" ] || skip "$t not built"
done
[ -w /dev/full ] || skip "no /dev/full"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
full() { # name cmd...: exit 1 and exactly one line saying so
	local name=$1; shift
	"$@" > /dev/full 2> "$T/err"
	local rc=$?
	[ $rc -eq 1 ] || fail "$name > /dev/full exited $rc: $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "^$name: error writing standard output: No space left on device$" "$T/err" \
		|| fail "$name > /dev/full: expected one line, got: $(cat "$T/err")"
}
"$BINDIR/msgpack2json" "$F/cls_batches.mpk" > "$T/b.jsonl" || fail msgpack2json
full msgpack2json "$BINDIR/msgpack2json" "$F/cls_batches.mpk"
full json2msgpack "$BINDIR/json2msgpack" "$T/b.jsonl"
full predict "$BINDIR/predict" --model "$F/cls" "$F/cls_batches.mpk"
"$BINDIR/predict" --model "$F/cls" "$F/cls_batches.mpk" > "$T/p.mpk" 2>/dev/null || fail predict
full glue-metric "$BINDIR/glue-metric" mrpc "$T/p.mpk"
. "$PT_ROOT/tests/cli/lib_train.sh"
full tok "$BINDIR/tok" --model "$T/tiny" --task mrpc "$T/dev64.tsv"
full collate "$BINDIR/collate" "$T/tok.mpk"

# train failing after making its output folder, before saving anything (a
# checkpoint to resume from that is not there): no output folder
resume_nothing() { "$BINDIR/train" --model "$T/tiny" --output-dir "$1" --resume-from-checkpoint "$T/nope" --no-progress "$T/train.mpk"; }
resume_nothing "$T/run" 2> "$T/err" && fail "train resumed from nothing"
grep -q "nope/trainer_state.json: cannot read" "$T/err" || fail "train: $(cat "$T/err")"
[ -e "$T/run" ] && fail "a run that saved nothing left $T/run behind: $(ls -a "$T/run")"
# a run that trained a step and wrote its live files (training_args.json,
# log.tsv, trainer_state.json), then failed before saving anything (the
# evaluation cannot make its temporary file): no output folder either
TMPDIR="$T/none" train_tiny "$T/live" --max-steps 2 --logging-steps 1 --eval "$T/eval.mpk" \
	--eval-strategy steps --eval-steps 1 2> "$T/err" && fail "train without a TMPDIR succeeded"
grep -q "cannot create a temporary file in $T/none" "$T/err" || fail "train: $(cat "$T/err")"
[ -e "$T/live" ] && fail "a run that saved nothing left $T/live behind: $(ls -a "$T/live")"
# a folder that was there before stays
mkdir "$T/pre"
resume_nothing "$T/pre" 2>/dev/null && fail "train resumed from nothing"
[ -d "$T/pre" ] || fail "train removed a folder it did not create"
# a metric failing at step 1 leaves that step's model to resume from (tests/cli/train_metric.sh)
train_tiny "$T/run1" --max-steps 4 --eval "$T/eval.mpk" --eval-strategy steps --eval-steps 1 \
	--metric false 2> "$T/err" && fail "train with a failing metric succeeded"
grep -q "metric: 'false' failed" "$T/err" || fail "train: $(cat "$T/err")"
[ -s "$T/run1/checkpoint-1/model.safetensors" ] || fail "a failed metric lost the model: $(ls -a "$T/run1")"
# what resumes stays: checkpoint-1, then the failure at step 2
train_tiny "$T/run" --max-steps 4 --save-steps 1 --eval "$T/eval.mpk" --eval-strategy steps --eval-steps 2 \
	--metric false 2>/dev/null && fail "train with a failing metric succeeded"
[ -d "$T/run/checkpoint-1" ] && [ -d "$T/run/checkpoint-2" ] || fail "expected checkpoint-1 and -2, got: $(ls -a "$T/run")"
ls -A "$T/run" | grep -q tmp && fail "temporary folders left: $(ls -a "$T/run")"
# a trainer_state.json whose counts are not integers is refused, not cast
sed -i 's/"global_step": 1,/"global_step": 1e300,/' "$T/run/checkpoint-1/trainer_state.json"
expect_fail 1 "checkpoint-1/trainer_state.json: field 'global_step': expected an integer >= 0" \
	timeout 60 "$BINDIR/train" --model "$T/tiny" --output-dir "$T/run" --resume-from-checkpoint "$T/run/checkpoint-1" \
	--no-progress --max-steps 4 "$T/train.mpk"
exit 0
