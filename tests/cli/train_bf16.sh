# --precision bf16 on the CPU (oneDNN): train and predict run, are
# deterministic (two runs: the same bits), stay close to fp32 (10 steps
# from scratch at lr 1e-3, dropout off: every weight but the biases within
# 5% of its tensor's largest, as CUDA's bf16 in cuda_model.sh; the biases
# start at 0, so there the comparison is of updates that Adam makes of
# gradients a few bf16 roundings apart: 6-11% (tests/unit/test_bert_bf16.c
# checks every update against torch's); predict's logits within 3e-2 of
# the row's largest: 2^-8 per product input, summed over two layers), and
# a CPU without bf16 instructions (here: oneDNN capped below AVX512-BF16
# with ONEDNN_MAX_CPU_ISA) gets one line and exit 2. The ops against torch:
# tests/unit/test_bert_bf16.c.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
STCMP=${TESTTOOLS:-$O/tests/tools}/stcmp
[ -x "$STCMP" ] || skip "stcmp not built ($STCMP)"
NOBF16="^(train|predict): --precision bf16: this CPU has no bf16 instructions \(AVX512-BF16 or AMX\); use --precision fp32 or --device cuda$"
ONEDNN_MAX_CPU_ISA=AVX512_CORE expect_fail 2 "$NOBF16" train_tiny "$T/nohw" --max-steps 1 --precision bf16
[ -e "$T/nohw" ] && fail "a refused run wrote its output dir"
ONEDNN_MAX_CPU_ISA=AVX512_CORE expect_fail 2 "$NOBF16" "$BINDIR/predict" --model "$T/tiny" --precision bf16 "$T/eval.mpk"
expect_fail 1 "^train: --precision fp16: the cpu backend computes in fp32 or bf16; use --device cuda$" \
	train_tiny "$T/fp16" --max-steps 1 --precision fp16
train_tiny "$T/probe" --max-steps 1 --precision bf16 >/dev/null 2>"$T/probe.log"
rc=$?
if [ $rc -eq 2 ] && grep -q 'has no bf16 instructions' "$T/probe.log"; then
	skip "$(sed 's/^[^:]*: //' "$T/probe.log")"
fi
[ $rc -eq 0 ] || fail "train --precision bf16 (exit $rc): $(cat "$T/probe.log")"
NODROP="--set hidden_dropout_prob=0 --set attention_probs_dropout_prob=0"
for p in fp32 bf16; do
	train_tiny "$T/$p" --max-steps 10 --precision $p $NODROP 2>"$T/$p.log" || fail "train --precision $p: $(cat "$T/$p.log")"
done
"$STCMP" "$T/fp32/model.safetensors" "$T/bf16/model.safetensors" 0.05 bias \
	|| fail "train --precision bf16: weights too far from fp32's"
cmp -s "$T/fp32/model.safetensors" "$T/bf16/model.safetensors" && fail "bf16 and fp32 gave the same bits"
grep -q '"precision": "bf16"' "$T/bf16/trainer_state.json" && grep -q '^# precision bf16$' "$T/bf16/log.tsv" \
	|| fail "trainer_state.json does not say bf16: $(head -c 300 "$T/bf16/trainer_state.json")"
# dropout on: two runs, the same bits
for r in 1 2; do
	train_tiny "$T/det.$r" --max-steps 10 --precision bf16 2>"$T/det.$r.log" || fail "run $r: $(cat "$T/det.$r.log")"
done
cmp -s "$T/det.1/model.safetensors" "$T/det.2/model.safetensors" || fail "bf16: two runs with the same seed differ"
# predict: deterministic, close to fp32
logits_of() { "$BINDIR/msgpack2json" <"$1" | sed 's/.*"idx": \([0-9]*\).*"logits": \[\([^]]*\)\].*/\1 \2/; s/,//g'; }
for run in fp32:fp32 bf16:bf16 bf16:bf16b; do
	p=${run%%:*} o=${run#*:}
	"$BINDIR/predict" --model "$T/fp32" --precision $p "$T/eval.mpk" >"$T/pred.$o.mpk" 2>"$T/pred.$o.err" \
		|| fail "predict --precision $p: $(cat "$T/pred.$o.err")"
	logits_of "$T/pred.$o.mpk" >"$T/pred.$o.logits"
done
cmp -s "$T/pred.bf16.mpk" "$T/pred.bf16b.mpk" || fail "predict --precision bf16: two runs differ"
close_rows 3e-2 "$T/pred.bf16.logits" "$T/pred.fp32.logits" || fail "predict --precision bf16: logits too far from fp32's"
exit 0
