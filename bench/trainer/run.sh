#!/bin/bash
# bench/trainer: the course recipe on MRPC (batch 8, lr 5e-5, 3 epochs, eval
# each epoch, seeds 42 43 44) with the Hugging Face Trainer (PyTorch CPU) and
# with pipetune, on the same model folder and files, one after the other on
# this machine. Prints one JSON line per run (metrics, wall time, peak RSS)
# and writes them to bench/trainer/results.jsonl.
#
#   bench/trainer/run.sh                    # both, 3 seeds
#   SEEDS=42 SIDES=pipetune bench/trainer/run.sh
#   PRECISION=bf16 bench/trainer/run.sh     # Trainer(bf16=True), train/predict --precision bf16
#
# Needs: make (bin/), scripts/fetch-model.sh's model, and a Python with
# tests/golden/requirements.txt (PYTHON=/path/to/venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
SEEDS=${SEEDS:-42 43 44}
SIDES=${SIDES:-hf pipetune}
MODEL=${MODEL:-models/all-MiniLM-L6-v2}
GLUE=${GLUE:-${SHARED:-../shared}/data/glue/MRPC}
OUT=${OUT:-bench/trainer/results.jsonl}
PRECISION=${PRECISION:-fp32}
# fp32 is both sides' default: pipetune gets no option then, so the script
# also runs builds that predate --precision on the CPU
popt=; [ "$PRECISION" = fp32 ] || popt="--precision $PRECISION"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$(nproc)}
scripts/fetch-model.sh "$MODEL" >&2
make -s all >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peak_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

for seed in $SEEDS; do
	for side in $SIDES; do
		load0=$(cut -d' ' -f1 /proc/loadavg)
		case $side in
		hf)
			/usr/bin/time -v "$PYTHON" bench/trainer/hf_trainer.py --model "$MODEL" --glue "$GLUE" \
				--seed "$seed" --precision "$PRECISION" --out "$tmp/hf" >"$tmp/hf.json" 2>"$tmp/time" || { tail "$tmp/time"; exit 1; }
			line=$(tail -n 1 "$tmp/hf.json")
			;;
		pipetune)
			start=$(date +%s.%N)
			/usr/bin/time -v bash -c "
				set -e
				bin/tok --model '$MODEL' --task mrpc < '$GLUE/train.tsv' | bin/collate > '$tmp/train.mpk'
				bin/tok --model '$MODEL' --task mrpc < '$GLUE/dev.tsv' | bin/collate > '$tmp/dev.mpk'
				bin/train $popt --model '$MODEL' --num-labels 2 --seed $seed --output-dir '$tmp/run' \
					--save-steps 0 --eval '$tmp/dev.mpk' --metric 'bin/glue-metric mrpc' \
					'$tmp/train.mpk' 2>'$tmp/train.log'
				bin/predict $popt --model '$tmp/run' < '$tmp/dev.mpk' | bin/glue-metric mrpc > '$tmp/metrics.json'
			" 2>"$tmp/time" || { tail "$tmp/time" "$tmp/train.log"; exit 1; }
			wall=$(echo "$(date +%s.%N) - $start" | bc)
			# the same model scored by transformers alone (not timed)
			"$PYTHON" bench/trainer/hf_score.py "$tmp/run" "$GLUE/dev.tsv" >"$tmp/hf_score.json" 2>/dev/null
			line=$("$PYTHON" - "$tmp/metrics.json" "$tmp/run/trainer_state.json" "$seed" "$wall" "$tmp/hf_score.json" "$PRECISION" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
st = json.load(open(sys.argv[2]))
hf = json.load(open(sys.argv[5]))
end = [e for e in st["log_history"] if "train_runtime" in e][-1]
print(json.dumps({"seed": int(sys.argv[3]), **m, "train_wall_s": end["train_runtime"],
                  "precision": sys.argv[6],
                  "pipeline_wall_s": float(sys.argv[4]),
                  "transformers_scores_this_model": hf}))
PY
)
			;;
		esac
		rss=$(peak_kb "$tmp/time")
		# the 1-minute load average before and after: this machine is shared
		load1=$(cut -d' ' -f1 /proc/loadavg)
		line=$(echo "$line" | sed "s/}\$/, \"side\": \"$side\", \"peak_rss_mb\": $((rss / 1024)), \"load\": [$load0, $load1], \"date\": \"$(date -u +%FT%TZ)\"}/")
		echo "$line" | tee -a "$OUT"
	done
done
