# Resume: a run killed (SIGKILL) mid-way and resumed from its last
# checkpoint ends with weights bit-identical to an uninterrupted run, and a
# killed run leaves no torn checkpoint behind.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
STEPS=400
train_tiny "$T/full" --max-steps $STEPS --save-steps 20 2>/dev/null || fail "uninterrupted run"
# train itself in the background, not the train_tiny function: $! of a
# backgrounded function is a subshell, and SIGKILL to it would orphan a
# train that goes on writing into the folder the resume uses
"$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/killed" --lr 1e-3 --logging-steps 4 \
	--no-progress --max-steps $STEPS --save-steps 20 "$T/train.mpk" 2>"$T/killed.log" &
pid=$!
for _ in $(seq 1 2000); do
	[ -d "$T/killed/checkpoint-60" ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.01
done
kill -9 $pid 2>/dev/null && killed=1 || killed=0
wait $pid 2>/dev/null
[ $killed = 1 ] && ! [ -e "$T/killed/model.safetensors" ] || fail "the run ended before it could be killed"
ls "$T/killed" | grep -q checkpoint- || fail "no checkpoint before the kill"
# every checkpoint folder that exists is whole
for d in "$T"/killed/checkpoint-*; do
	for f in model.safetensors optimizer.safetensors trainer_state.json config.json; do
		[ -s "$d/$f" ] || fail "$d: torn checkpoint, no $f"
	done
done
"$BINDIR/train" --model "$T/tiny" --output-dir "$T/killed" --resume-from-checkpoint last --lr 1e-3 \
	--logging-steps 4 --save-steps 20 --no-progress --max-steps $STEPS "$T/train.mpk" 2>"$T/resume.log" \
	|| fail "resume: $(cat "$T/resume.log")"
grep -q "resuming from" "$T/resume.log" || fail "no resume message"
cmp "$T/full/model.safetensors" "$T/killed/model.safetensors" || fail "resumed weights differ from the uninterrupted run (killed=$killed)"
ls -a "$T/killed" "$T" | grep -q '\.tmp\.' && fail "temporary folders left behind: $(ls -a "$T/killed")"
# a resume that does not fit the input is refused
head -c 2000 "$T/train.mpk" > /dev/null
expect_fail 1 "checkpoint-20/trainer_state.json: the checkpoint was made with 8 batches an epoch" \
	"$BINDIR/train" --model "$T/tiny" --output-dir "$T/x" --resume-from-checkpoint "$T/full/checkpoint-20" \
	"$T/eval.mpk"
exit 0
