#!/bin/bash
# SIGTERM and SIGINT stop train after a whole optimizer step with a
# checkpoint (exit 128 + signal), and --resume-from-checkpoint last then
# ends with weights bit-identical to an uninterrupted run; during an
# evaluation too. A second signal ends train at once, and the checkpoints
# already written stay whole. No test sleeps on a guess: the runs are
# signalled after a log line they printed, or by their own metric command
# (a shell that train started: its $PPID is train).
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=$BINDIR:$PATH
STEPS=80
# wait_line FILE PATTERN PID: until FILE holds PATTERN or PID is gone
wait_line() {
	for _ in $(seq 1 3000); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
whole() { # every checkpoint folder in $1 is complete
	for d in "$1"/checkpoint-*; do
		for f in model.safetensors optimizer.safetensors trainer_state.json config.json; do
			[ -s "$d/$f" ] || fail "$d: torn checkpoint, no $f"
		done
	done
}
resume() { # dir [args]: continue a stopped run to the end
	local dir=$1; shift
	"$BINDIR/train" --model "$T/tiny" --output-dir "$dir" --resume-from-checkpoint last --lr 1e-3 \
		--logging-steps 4 --no-progress --max-steps $STEPS "$@" "$T/train.mpk" 2>"$dir.resume.log" \
		|| fail "resume $dir: $(cat "$dir.resume.log")"
}
train_tiny "$T/full" --max-steps $STEPS --save-steps 0 2>/dev/null || fail "uninterrupted run"

# SIGTERM mid-run, once the step-20 loss line is out
"$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/term" --lr 1e-3 --logging-steps 4 \
	--no-progress --max-steps $STEPS --save-steps 0 "$T/train.mpk" 2>"$T/term.log" &
pid=$!
wait_line "$T/term.log" '"step": 20}' $pid || fail "no step-20 line: $(cat "$T/term.log")"
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] || fail "SIGTERM: exit $rc, expected 143: $(tail -n 3 "$T/term.log")"
msg=$(tail -n 1 "$T/term.log")
step=$(echo "$msg" | sed -n 's/^train: SIGTERM: stopped after step \([0-9]*\) of 80; .*checkpoint-\([0-9]*\) holds it: continue with --resume-from-checkpoint last$/\1/p')
[ -n "$step" ] && [ "$step" -ge 20 ] && [ "$step" -lt $STEPS ] || fail "SIGTERM message: $msg"
[ "$(ls "$T/term" | grep -vx 'log.tsv\|trainer_state.json\|training_args.json')" = "checkpoint-$step" ] ||
	fail "expected checkpoint-$step alone beside the live logs: $(ls -a "$T/term")"
whole "$T/term"
grep -q "\"global_step\": $step," "$T/term/checkpoint-$step/trainer_state.json" || fail "checkpoint-$step: wrong step"
resume "$T/term"
cmp "$T/full/model.safetensors" "$T/term/model.safetensors" || fail "SIGTERM + resume: weights differ"

# SIGINT during the evaluation of step 20: the metric command signals
# train and completes (the evaluation is kept), or signals train and fails
# as Ctrl-C makes it fail (the evaluation is abandoned and redone on
# resume). Either way: checkpoint-20, exit 130, same weights and the same
# evaluations as an uninterrupted run.
EV=(--eval "$T/eval.mpk" --eval-strategy steps --eval-steps 20)
train_tiny "$T/evfull" --max-steps $STEPS --save-steps 0 "${EV[@]}" --metric 'glue-metric mrpc' 2>/dev/null \
	|| fail "uninterrupted run with evaluation"
for how in completes fails; do
	[ $how = completes ] && tail='glue-metric mrpc' || tail='exit 130'
	metric="if [ -e '$T/sent-$how' ]; then glue-metric mrpc; else touch '$T/sent-$how'; kill -INT \$PPID; $tail; fi"
	train_tiny "$T/ev-$how" --max-steps $STEPS --save-steps 0 "${EV[@]}" --metric "$metric" 2>"$T/ev-$how.log"
	rc=$?
	[ $rc -eq 130 ] || fail "SIGINT in evaluation ($how): exit $rc, expected 130: $(tail -n 3 "$T/ev-$how.log")"
	[ "$(ls "$T/ev-$how" | grep -vx 'log.tsv\|trainer_state.json\|training_args.json')" = checkpoint-20 ] ||
		fail "$how: expected checkpoint-20 alone beside the live logs: $(ls -a "$T/ev-$how")"
	whole "$T/ev-$how"
	if [ $how = completes ]; then
		grep -q '"eval_accuracy"' "$T/ev-$how.log" || fail "the completed evaluation was not logged"
		grep -q '"eval_pending": false' "$T/ev-$how/checkpoint-20/trainer_state.json" || fail "$how: eval pending"
		grep -q "^train: SIGINT: stopped after step 20 of $STEPS; .*checkpoint-20 holds it" "$T/ev-$how.log" \
			|| fail "$how: $(tail -n 1 "$T/ev-$how.log")"
	else
		grep -q '"eval_accuracy"' "$T/ev-$how.log" && fail "the abandoned evaluation was logged"
		grep -q '"eval_pending": true' "$T/ev-$how/checkpoint-20/trainer_state.json" || fail "$how: no eval pending"
		grep -q "^train: SIGINT: stopped after step 20 of $STEPS (its evaluation is left to the resumed run)" \
			"$T/ev-$how.log" || fail "$how: $(tail -n 1 "$T/ev-$how.log")"
	fi
	resume "$T/ev-$how" "${EV[@]}" --metric 'glue-metric mrpc'
	cmp "$T/evfull/model.safetensors" "$T/ev-$how/model.safetensors" || fail "SIGINT in eval ($how): weights differ"
	for f in evfull ev-$how; do grep -E '	eval_(loss|accuracy|f1)	' "$T/$f/log.tsv" > "$T/$f.evals"; done
	[ "$(wc -l < "$T/evfull.evals")" -eq 12 ] || fail "expected 4 evaluations: $(cat "$T/evfull.evals")"
	cmp -s "$T/evfull.evals" "$T/ev-$how.evals" || fail "$how: evaluations differ: $(diff "$T/evfull.evals" "$T/ev-$how.evals")"
done

# two signals: the second ends train at once; what was saved stays whole
"$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/two" --lr 1e-3 --logging-steps 4 \
	--no-progress --max-steps $STEPS --save-steps 8 "$T/train.mpk" 2>"$T/two.log" &
pid=$!
wait_line "$T/two.log" '"step": 20}' $pid || fail "no step-20 line: $(cat "$T/two.log")"
kill -TERM $pid; kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] || fail "two SIGTERMs: exit $rc, expected 143"
ls "$T/two" | grep -q checkpoint- || fail "no checkpoint kept"
whole "$T/two"
resume "$T/two" --save-steps 8
cmp "$T/full/model.safetensors" "$T/two/model.safetensors" || fail "two SIGTERMs + resume: weights differ"
ls -a "$T/two" | grep -q '\.tmp\.' && fail "temporary folders left behind: $(ls -a "$T/two")"
exit 0
