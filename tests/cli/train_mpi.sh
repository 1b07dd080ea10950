# Data parallel on MPI: 2 ranks splitting every batch give the same weights
# as one process (up to float summation order), a 2-rank run resumes from a
# 1-rank checkpoint, and a rank that dies ends the whole job with an error.
. "$PT_ROOT/tests/cli/lib.sh"
command -v mpirun >/dev/null || skip "no mpirun (install openmpi-bin)"
ldd "$BINDIR/train" | grep -q 'libmpi\.so' || skip "train was built without MPI (no pkg-config ompi-c)"
. "$PT_ROOT/tests/cli/lib_train.sh"
# OpenMPI in a container, as root, on few cores; OpenMPI's own allocations
# are not ours to check for leaks.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
MPIRUN="mpirun --allow-run-as-root --oversubscribe -np 2"
NODROP="--set hidden_dropout_prob=0 --set attention_probs_dropout_prob=0"
# Attention key biases are skipped: their gradient is 0 in exact arithmetic
# (softmax ignores a per-query constant), so AdamW turns rounding noise
# into full-size updates whose sign depends on the summation order.
STCMP=$TESTTOOLS/stcmp
train_tiny "$T/one" --max-steps 10 $NODROP 2>"$T/one.log" || fail "1 process: $(cat "$T/one.log")"
timeout 120 $MPIRUN "$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/two" --lr 1e-3 \
	--logging-steps 4 --save-steps 4 --no-progress --max-steps 10 $NODROP "$T/train.mpk" >"$T/two.log" 2>&1 \
	|| fail "2 ranks: $(cat "$T/two.log")"
grep -q "2 ranks" "$T/two.log" || fail "the job did not run as 2 ranks: $(cat "$T/two.log")"
[ "$(grep -c '"loss"' "$T/two.log")" -eq 2 ] || fail "rank 0 alone should log: $(cat "$T/two.log")"
"$STCMP" "$T/one/model.safetensors" "$T/two/model.safetensors" 1e-4 key.bias || fail "2 ranks differ from 1 process"
# a 2-rank run resumed from a 1-rank checkpoint
timeout 120 $MPIRUN "$BINDIR/train" --model "$T/tiny" --output-dir "$T/one" --lr 1e-3 --logging-steps 4 \
	--save-steps 4 --no-progress --max-steps 10 $NODROP --resume-from-checkpoint "$T/one/checkpoint-4" \
	"$T/train.mpk" >"$T/res.log" 2>&1 || fail "2-rank resume: $(cat "$T/res.log")"
grep -q "resuming from" "$T/res.log" || fail "no resume: $(cat "$T/res.log")"
"$STCMP" "$T/two/model.safetensors" "$T/one/model.safetensors" 1e-4 key.bias || fail "resumed 2-rank run differs"
# one rank fails: the job ends non-zero, quickly, naming the problem
timeout 120 mpirun --allow-run-as-root --oversubscribe \
	-np 1 "$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/bad" --no-progress "$T/train.mpk" : \
	-np 1 "$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$T/bad" --no-progress "$T/missing.mpk" \
	>"$T/bad.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a failing rank: exit $rc (124 = hang): $(cat "$T/bad.log")"
grep -q "missing.mpk: cannot open" "$T/bad.log" || fail "no message: $(cat "$T/bad.log")"
[ -e "$T/bad/model.safetensors" ] && fail "a failed job wrote a model"
exit 0
