#!/bin/bash
# bench/gpu: the course recipe on one GPU, pipetune against the Hugging Face
# Trainer + PyTorch: bert-base-uncased shapes, MRPC, batch 8, lr 5e-5,
# 3 epochs, eval after each, seed 42, the SAME random initial weights on
# both sides (a BertForSequenceClassification made once with torch and
# saved as a model folder), in each precision. Prints one JSON line per run
# (wall time, samples/s, peak GPU memory, model FLOPs utilisation, accuracy,
# F1) and appends them to bench/gpu/results.jsonl.
#
#   bench/gpu/run.sh                         # fp32 and bf16, both sides
#   PRECISIONS="fp32 tf32 bf16 fp16" SIDES=pipetune bench/gpu/run.sh
#
# Needs: a CUDA build (make, nvcc), nvidia-smi, a Python with torch,
# transformers, accelerate, scikit-learn (PYTHON=...), and DATA (default
# ../shared/data) holding glue/MRPC and bert/bert-base-uncased. On the device
# machine, whose checkout has no ../shared beside it, copy them in first:
#   here:  mkdir -p .deps/data/glue .deps/data/bert &&
#          cp -r ../shared/data/glue/MRPC .deps/data/glue/ &&
#          cp -r ../shared/data/bert/bert-base-uncased .deps/data/bert/
#   there (carry .deps): scripts/device-setup.sh run env DATA=.deps/data bench/gpu/run.sh
#
# Peak GPU memory is nvidia-smi's memory.used sampled every 100 ms, minus
# its value before the run (both sides alike: CUDA context included). MFU:
# model FLOPs of the padded batches actually run (6 x non-embedding
# parameters x tokens + 12 x layers x T x hidden per token for attention,
# i.e. forward and backward, no recomputation) over wall time, against
# PEAK_TFLOPS (default: H100/H200 SXM dense: 989 bf16/fp16, 495 tf32,
# 67 fp32).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
DATA=${DATA:-${SHARED:-../shared}/data}
PRECISIONS=${PRECISIONS:-fp32 bf16}
SIDES=${SIDES:-pipetune hf}
OUT=${OUT:-bench/gpu/results.jsonl}
GLUE=$DATA/glue/MRPC
VOCAB=$DATA/bert/bert-base-uncased
[ -f "$GLUE/train.tsv" ] || { echo "bench/gpu: no $GLUE/train.tsv (set DATA)" >&2; exit 1; }
command -v nvidia-smi >/dev/null || { echo "bench/gpu: no nvidia-smi: no GPU here" >&2; exit 1; }
make -s all >&2
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

# the shared random initial model (seed 0), with the uncased vocabulary
"$PYTHON" - "$tmp/init" "$VOCAB" <<'PY'
import shutil, sys, torch
from transformers import BertConfig, BertForSequenceClassification
out, vocab = sys.argv[1:]
torch.manual_seed(0)
cfg = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, num_labels=2)
BertForSequenceClassification(cfg).save_pretrained(out, safe_serialization=True)
for f in ("vocab.txt", "tokenizer_config.json"):
    shutil.copy(f"{vocab}/{f}", out)
PY
bin/tok --model "$tmp/init" --task mrpc < "$GLUE/train.tsv" | bin/collate > "$tmp/train.mpk"
bin/tok --model "$tmp/init" --task mrpc < "$GLUE/dev.tsv" | bin/collate > "$tmp/dev.mpk"
# model FLOPs of one epoch of the padded batches, and the examples in it
read -r EPOCH_FLOP EXAMPLES < <(bin/msgpack2json < "$tmp/train.mpk" | "$PYTHON" -c '
import json, sys
L, C, FF, V = 12, 768, 3072, 30522
P = L * (4 * C * C + 4 * C + 2 * C * FF + FF + C + 4 * C) + C * C + C + 2 * C + 2   # non-embedding
flop = ex = 0
for line in sys.stdin:
    ids = json.loads(line)["input_ids"]
    B, T = len(ids), len(ids[0])
    flop += B * T * (6 * P + 12 * L * T * C)
    ex += B
print(flop, ex)')

gpu_mem() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i "${CUDA_VISIBLE_DEVICES:-0}" | head -n 1; }
# sample TAG CMD...: runs CMD while sampling GPU memory; sets WALL and PEAK_MB
sample() {
	local base; base=$(gpu_mem)
	( while :; do gpu_mem; sleep 0.1; done ) >"$tmp/mem" &
	local sampler=$! start; start=$(date +%s.%N)
	"$@"
	WALL=$(echo "$(date +%s.%N) - $start" | bc)
	kill $sampler; wait $sampler 2>/dev/null || true
	PEAK_MB=$(( $(sort -n "$tmp/mem" | tail -n 1) - base ))
}
peak_tflops() { case $1 in bf16|fp16) echo "${PEAK_TFLOPS:-989}" ;; tf32) echo "${PEAK_TFLOPS:-495}" ;; *) echo "${PEAK_TFLOPS:-67}" ;; esac; }

for p in $PRECISIONS; do
	for side in $SIDES; do
		case $side in
		pipetune)
			sample bin/train --model "$tmp/init" --num-labels 2 --seed 42 --device cuda --precision "$p" \
				--output-dir "$tmp/run.$p" --save-steps 0 --no-progress --eval "$tmp/dev.mpk" \
				--metric 'bin/glue-metric mrpc' "$tmp/train.mpk" 2>"$tmp/log.$p"
			bin/predict --model "$tmp/run.$p" --device cuda --precision "$p" "$tmp/dev.mpk" 2>/dev/null \
				| bin/glue-metric mrpc >"$tmp/m.json"
			train_s=$(sed -n 's/.*"train_runtime": \([^,]*\),.*/\1/p' "$tmp/log.$p")
			metrics=$(cat "$tmp/m.json")
			;;
		hf)
			sample "$PYTHON" bench/trainer/hf_trainer.py --model "$tmp/init" --glue "$GLUE" --seed 42 \
				--device cuda --precision "$p" --out "$tmp/hf.$p" >"$tmp/hf.json" 2>"$tmp/hf.log"
			train_s=$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["train_wall_s"])' "$tmp/hf.json")
			metrics=$("$PYTHON" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(json.dumps({"accuracy": d["accuracy"], "f1": d["f1"]}))' "$tmp/hf.json")
			;;
		esac
		"$PYTHON" - "$side" "$p" "$train_s" "$WALL" "$PEAK_MB" "$EPOCH_FLOP" "$EXAMPLES" "$(peak_tflops "$p")" "$metrics" \
			"$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)" <<'PY' | tee -a "$OUT"
import json, sys
side, p, train_s, wall, peak, flop, ex, peak_tf, metrics, gpu = sys.argv[1:]
train_s, flop = float(train_s), 3 * float(flop)
print(json.dumps({"side": side, "precision": p, "gpu": gpu, "train_s": round(train_s, 2),
                  "process_wall_s": round(float(wall), 2), "samples_per_s": round(3 * int(ex) / train_s, 1),
                  "peak_gpu_mb": int(peak), "mfu": round(flop / train_s / (float(peak_tf) * 1e12), 4),
                  **json.loads(metrics)}))
PY
	done
done
