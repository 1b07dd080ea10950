#!/bin/bash
# The whole model on the CUDA backend against the CPU backend (--device):
# predict on the golden checkpoint fixtures (tests/golden/fixtures/checkpoint:
# logits within 1e-5 relative, the same predictions, eval_loss), then 10
# training steps from scratch with dropout off (final weights and the
# optimizer moments within 1e-2 relative, stcmp), two identical runs giving
# the same bits, and a CUDA run resumed from a CPU checkpoint. Skips (77)
# when the build has no CUDA backend or no CUDA device is visible.
. "$PT_ROOT/tests/cli/lib.sh"
O=${O:-build}
case $O in /*) ;; *) O=$PT_ROOT/$O ;; esac
STCMP=${TESTTOOLS:-$O/tests/tools}/stcmp
F=$PT_ROOT/tests/golden/fixtures/checkpoint
for t in predict train tok collate msgpack2json; do [ -x "$BINDIR/$t" ] || skip "$t not built"; done
[ -x "$STCMP" ] || skip "stcmp not built ($STCMP)"

# CUDA under ASan (see cuda_ops.sh)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}protect_shadow_gap=0"
printf 'leak:libcuda.so\nleak:libcudart.so\nleak:libcublas.so\nleak:libcublasLt.so\nleak:libnvidia\n' >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"

"$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk" >"$T/cls.cuda.mpk" 2>"$T/cls.cuda.err"
rc=$?
if [ $rc -ne 0 ]; then
	grep -Eq -- '--device cuda: (this build has no CUDA support|no CUDA device is visible)' "$T/cls.cuda.err" \
		&& skip "$(sed 's/^[^:]*: //' "$T/cls.cuda.err")"
	fail "predict --device cuda (exit $rc): $(cat "$T/cls.cuda.err")"
fi
grep -q '^predict: device: cuda (' "$T/cls.cuda.err" || fail "predict does not say it runs on cuda: $(cat "$T/cls.cuda.err")"

# "idx logit logit ..." per example
logits_of() { "$BINDIR/msgpack2json" <"$1" | sed 's/.*"idx": \([0-9]*\).*"logits": \[\([^]]*\)\].*/\1 \2/; s/,//g'; }
close_1e5() { close_rows 1e-5 "$@"; }
eval_loss_of() { sed -n 's/^{"eval_loss": \([-0-9.e]*\), .*/\1/p' "$1"; }
preds_of() { "$BINDIR/msgpack2json" <"$1" | sed -n 's/.*"prediction": \([0-9]*\).*/\1/p' | tr '\n' ' '; }

for k in cls:cls_batches.mpk reg:reg_batches.mpk bare:bare_batches.mpk; do
	model=${k%%:*} batches=${k#*:}
	for d in cpu cuda; do
		"$BINDIR/predict" --model "$F/$model" --device $d "$F/$batches" >"$T/$model.$d.mpk" 2>"$T/$model.$d.err" \
			|| fail "predict $model --device $d: $(cat "$T/$model.$d.err")"
		logits_of "$T/$model.$d.mpk" >"$T/$model.$d.logits"
	done
	close_1e5 "$T/$model.cuda.logits" "$T/$model.cpu.logits" || fail "$model: CUDA logits differ from the CPU's"
	[ "$(preds_of "$T/$model.cuda.mpk")" = "$(preds_of "$T/$model.cpu.mpk")" ] || fail "$model: predictions differ"
	a=$(eval_loss_of "$T/$model.cuda.err") b=$(eval_loss_of "$T/$model.cpu.err")
	if [ -n "$b" ]; then
		awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; exit !(a != "" && d <= 1e-5 * b) }' \
			|| fail "$model: eval_loss on CUDA $a, on the CPU $b"
	fi
done

# --precision: the products in TF32, bf16 or fp16 move the logits by about
# their inputs' rounding (2^-11 for tf32 and fp16, 2^-8 for bf16), summed
# over two layers
for pr in tf32:3e-3 fp16:3e-3 bf16:3e-2; do
	p=${pr%%:*} tol=${pr#*:}
	"$BINDIR/predict" --model "$F/cls" --device cuda --precision $p "$F/cls_batches.mpk" >"$T/cls.$p.mpk" \
		2>"$T/cls.$p.err" || fail "predict --precision $p: $(cat "$T/cls.$p.err")"
	logits_of "$T/cls.$p.mpk" >"$T/cls.$p.logits"
	close_rows "$tol" "$T/cls.$p.logits" "$T/cls.cpu.logits" || fail "--precision $p: logits too far from the CPU's"
done

# 10 training steps, dropout off: CUDA against CPU. Attention key biases are
# skipped (see train_mpi.sh: AdamW amplifies their rounding noise).
. "$PT_ROOT/tests/cli/lib_train.sh"
NODROP="--set hidden_dropout_prob=0 --set attention_probs_dropout_prob=0"
for d in cpu cuda; do
	train_tiny "$T/train.$d" --max-steps 10 --device $d $NODROP 2>"$T/train.$d.log" \
		|| fail "train --device $d: $(cat "$T/train.$d.log")"
done
"$STCMP" "$T/train.cpu/model.safetensors" "$T/train.cuda/model.safetensors" 0.01 key.bias \
	|| fail "train: the CUDA weights after 10 steps differ from the CPU's"
"$STCMP" "$T/train.cpu/checkpoint-8/optimizer.safetensors" "$T/train.cuda/checkpoint-8/optimizer.safetensors" 0.01 \
	|| fail "train: the CUDA optimizer moments at step 8 differ from the CPU's"
# Deterministic: no kernel adds with atomics (the embedding backward sums
# rows in order) and cuBLAS runs its default, atomics-free algorithms, so
# two runs with dropout on end with the same bits, in fp32 and in bf16
for p in fp32 bf16; do
	for r in 1 2; do
		train_tiny "$T/det.$p.$r" --max-steps 10 --device cuda --precision $p 2>"$T/det.$p.$r.log" \
			|| fail "train --device cuda --precision $p (run $r): $(cat "$T/det.$p.$r.log")"
	done
	cmp -s "$T/det.$p.1/model.safetensors" "$T/det.$p.2/model.safetensors" \
		|| fail "train --device cuda --precision $p: two runs with the same seed differ"
done
# bf16 and fp16 training: close to fp32 (every weight within 5% of its
# tensor's largest), and fp16's loss scale (2^16 unless a step overflowed)
# in the state
for p in bf16 fp16; do
	train_tiny "$T/train.$p" --max-steps 10 --device cuda --precision $p $NODROP 2>"$T/train.$p.log" \
		|| fail "train --precision $p: $(cat "$T/train.$p.log")"
	"$STCMP" "$T/train.cuda/model.safetensors" "$T/train.$p/model.safetensors" 0.05 key.bias \
		|| fail "train --precision $p: weights too far from fp32's"
done
grep -Eq '"loss_scale": (65536|32768|16384),' "$T/train.fp16/trainer_state.json" \
	|| fail "fp16: no loss scale near 2^16 in trainer_state.json: $(head -c 400 "$T/train.fp16/trainer_state.json")"
# a CUDA run resumed from the CPU's checkpoint-4 (weights and moments uploaded)
cp -r "$T/train.cpu" "$T/resumed"
"$BINDIR/train" --model "$T/tiny" --output-dir "$T/resumed" --lr 1e-3 --logging-steps 4 --save-steps 4 \
	--no-progress --max-steps 10 --device cuda $NODROP --resume-from-checkpoint "$T/resumed/checkpoint-4" \
	"$T/train.mpk" 2>"$T/resumed.log" || fail "train --device cuda --resume-from-checkpoint: $(cat "$T/resumed.log")"
grep -q "resuming from" "$T/resumed.log" || fail "no resume: $(cat "$T/resumed.log")"
"$STCMP" "$T/train.cpu/model.safetensors" "$T/resumed/model.safetensors" 0.01 key.bias \
	|| fail "train: a CUDA run resumed from a CPU checkpoint differs from the CPU run"

# the NCCL path on one GPU: a 1-rank all-reduce every step leaves the
# gradients as they are, so the weights are the plain CUDA run's, bit for bit
if nm "$BINDIR/train" 2>/dev/null | grep -q ncclAllReduce; then
	train_tiny "$T/nccl" --max-steps 10 --device cuda --allreduce nccl $NODROP 2>"$T/nccl.log" \
		|| fail "train --allreduce nccl: $(cat "$T/nccl.log")"
	grep -q "gradients summed by NCCL all-reduce" "$T/nccl.log" || fail "NCCL not used: $(cat "$T/nccl.log")"
	cmp -s "$T/train.cuda/model.safetensors" "$T/nccl/model.safetensors" \
		|| fail "train --allreduce nccl on 1 rank changed the weights"
	if command -v mpirun >/dev/null; then   # and under mpirun, as one rank
		timeout 300 mpirun --allow-run-as-root -np 1 "$BINDIR/train" --model "$T/tiny" --from-scratch \
			--output-dir "$T/nccl-mpi" --lr 1e-3 --logging-steps 4 --save-steps 4 --no-progress \
			--max-steps 10 --device cuda --allreduce nccl $NODROP "$T/train.mpk" 2>"$T/nccl-mpi.log" \
			|| fail "mpirun -np 1 train --allreduce nccl: $(cat "$T/nccl-mpi.log")"
		cmp -s "$T/train.cuda/model.safetensors" "$T/nccl-mpi/model.safetensors" \
			|| fail "mpirun -np 1 train --allreduce nccl changed the weights"
	fi
fi
exit 0
