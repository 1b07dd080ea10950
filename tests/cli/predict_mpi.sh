# predict sharded across MPI ranks: 2 and 3 ranks (batches spread unevenly,
# a short last batch) write exactly the records of one process, in input
# order, and the same eval loss; standard input under mpirun is refused.
. "$PT_ROOT/tests/cli/lib.sh"
command -v mpirun >/dev/null || skip "no mpirun (install openmpi-bin)"
. "$PT_ROOT/tests/cli/lib_train.sh"
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# one OpenMP thread everywhere, so every rank splits its products alike
export OMP_NUM_THREADS=1
train_tiny "$T/m" --max-steps 4 2>"$T/train.log" || fail "train: $(cat "$T/train.log")"
# 60 examples in batches of 8: 8 batches, the last of 4
head -n 61 "$DATA/glue/MRPC/dev.tsv" | "$BINDIR/tok" --model "$T/tiny" --task mrpc --max-length 64 \
	| "$BINDIR/collate" --batch-size 8 -o "$T/dev.mpk" || fail "tok | collate"
"$BINDIR/predict" --model "$T/m" "$T/dev.mpk" >"$T/one.mpk" 2>"$T/one.err" || fail "1 process: $(cat "$T/one.err")"
[ "$("$BINDIR/msgpack2json" < "$T/one.mpk" | wc -l)" -eq 60 ] || fail "1 process: expected 60 records"
for np in 2 3; do
	timeout 120 mpirun --allow-run-as-root --oversubscribe -np $np "$BINDIR/predict" --model "$T/m" \
		"$T/dev.mpk" >"$T/np$np.mpk" 2>"$T/np$np.err" || fail "$np ranks: $(cat "$T/np$np.err")"
	cmp -s "$T/one.mpk" "$T/np$np.mpk" || fail "$np ranks: records differ from 1 process:
$("$BINDIR/msgpack2json" < "$T/np$np.mpk" | head -3)"
	# the same loss up to summation order, over the same 60 examples
	a=$(grep '^{"eval_loss"' "$T/one.err") b=$(grep '^{"eval_loss"' "$T/np$np.err")
	[ "${a#*eval_samples}" = "${b#*eval_samples}" ] && [ "${a#*eval_samples\": }" = "60}" ] \
		|| fail "$np ranks: eval samples: '$a' against '$b'"
	awk -v x="$(echo "$a" | sed 's/.*"eval_loss": \([^,]*\),.*/\1/')" \
	    -v y="$(echo "$b" | sed 's/.*"eval_loss": \([^,]*\),.*/\1/')" \
	    'BEGIN { d = x - y; if (d < 0) d = -d; exit !(x > 0 && d <= 1e-6 * x) }' \
		|| fail "$np ranks: eval loss differs: '$a' against '$b'"
done
# -o FILE: written once, by rank 0
timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$BINDIR/predict" --model "$T/m" \
	-o "$T/out.mpk" "$T/dev.mpk" 2>"$T/o.err" || fail "-o: $(cat "$T/o.err")"
cmp -s "$T/one.mpk" "$T/out.mpk" || fail "-o: records differ"
# stdin reaches rank 0 only: a clear error, not a hang or half the records
timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$BINDIR/predict" --model "$T/m" \
	<"$T/dev.mpk" >"$T/stdin.mpk" 2>"$T/stdin.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "stdin with 2 ranks: exit $rc"
grep -q "must be a file" "$T/stdin.err" || fail "stdin with 2 ranks: $(cat "$T/stdin.err")"
[ -s "$T/stdin.mpk" ] && fail "stdin with 2 ranks wrote records"
exit 0
