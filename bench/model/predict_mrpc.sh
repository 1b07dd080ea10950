#!/usr/bin/env bash
# bench/model/predict_mrpc.sh [PYTHON] -- `predict` against PyTorch
# (torch_predict.py) on the real MRPC dev batches (408 examples, collate's
# batches of 8 padded to each batch's longest pair: pipetune skips the
# padding, PyTorch computes it, as Trainer.predict does), same model folder,
# same batch file, 2 threads, the two sides alternating REPS times; medians.
# Run from the repository root after `make`. Env: SHAPE (minilm: the demo's
# all-MiniLM-L6-v2 with a seeded classifier; base: bert-base-uncased shapes,
# random weights), PRECISION (fp32 or bf16: predict --precision bf16 against
# torch autocast bf16), REPS (3), TORCH_WAIT (PyTorch's OMP_WAIT_POLICY:
# unset or passive), MODEL (the demo model folder), GLUE (MRPC folder).
# Times: each side's whole process (wall, /usr/bin/time -v: model load
# included) and PyTorch's predict loop alone (batches decoded, model loaded).
set -euo pipefail
PY=${1:-/root/ref-venv/bin/python}
SHAPE=${SHAPE:-minilm} PRECISION=${PRECISION:-fp32} REPS=${REPS:-3} TORCH_WAIT=${TORCH_WAIT:-}
MODEL=${MODEL:-models/all-MiniLM-L6-v2}
GLUE=${GLUE:-${SHARED:-../shared}/data/glue/MRPC}
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
scripts/fetch-model.sh "$MODEL" >&2
make -s all >&2
dir=build/bench/model/predict-$SHAPE
if [ ! -f "$dir/model.safetensors" ]; then
	mkdir -p "$dir"
	"$PY" bench/model/torch_predict.py --make-model "$SHAPE" --base "$MODEL" --out "$dir"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bin/tok --model "$dir" --task mrpc <"$GLUE/dev.tsv" | bin/collate >"$out/dev.mpk"
popt=
[ "$PRECISION" = fp32 ] || popt="--precision $PRECISION"
torch_env="env -u OMP_WAIT_POLICY"
[ -z "$TORCH_WAIT" ] || torch_env="env OMP_WAIT_POLICY=$TORCH_WAIT"
echo "shape $SHAPE, precision $PRECISION, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}, PyTorch OMP_WAIT_POLICY=${TORCH_WAIT:-<unset>}"
for r in $(seq "$REPS"); do
	echo "rep $r: $(uptime)"
	s=$(date +%s.%N)
	/usr/bin/time -v bin/predict $popt --model "$dir" "$out/dev.mpk" >"$out/c.$r.mpk" 2>"$out/c.time.$r"
	echo "$(date +%s.%N) - $s" | bc >"$out/c.wall.$r"
	bin/msgpack2json <"$out/c.$r.mpk" >"$out/c.$r.jsonl"
	s=$(date +%s.%N)
	$torch_env /usr/bin/time -v "$PY" bench/model/torch_predict.py --model "$dir" --precision "$PRECISION" \
		--output "$out/t.$r.jsonl" "$out/dev.mpk" >"$out/t.$r" 2>"$out/t.time.$r"
	echo "$(date +%s.%N) - $s" | bc >"$out/t.wall.$r"
	echo "rep $r: predict $(cat "$out/c.wall.$r") s, torch process $(cat "$out/t.wall.$r") s" \
		"(loop $(awk '$1=="predict_s"{print $2}' "$out/t.$r") s)"
done
echo "after: $(uptime)"
"$PY" - "$out" "$REPS" <<'PYEOF'
import json, re, statistics, sys
d, reps = sys.argv[1], int(sys.argv[2])
med = statistics.median
def kv(f):
    return {l.split()[0]: l.split()[1] for l in open(f) if len(l.split()) >= 2}
def rss(f):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) / 1024
def cpu(f):
    t = open(f).read()
    return sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", t).group(1)) for k in ("User", "System"))
R = range(1, reps + 1)
cw = med(float(open(f"{d}/c.wall.{r}").read()) for r in R)
tw = med(float(open(f"{d}/t.wall.{r}").read()) for r in R)
tl = med(float(kv(f"{d}/t.{r}")["predict_s"]) for r in R)
n = int(kv(f"{d}/t.1")["examples"])
c = [json.loads(l) for l in open(f"{d}/c.1.jsonl")]
t = [json.loads(l) for l in open(f"{d}/t.1.jsonl")]
assert [x["idx"] for x in c] == [x["idx"] for x in t], "the two sides predicted different examples"
agree = sum(x["prediction"] == y["prediction"] for x, y in zip(c, t))
dmax = max(abs(a - b) for x, y in zip(c, t) for a, b in zip(x["logits"], y["logits"]))
print(f"median of {reps}: {n} examples; predict {cw:.2f} s ({n / cw:.0f} ex/s) vs torch process {tw:.2f} s "
      f"({n / tw:.0f} ex/s): {tw / cw:.2f}x; torch's loop alone {tl:.2f} s ({n / tl:.0f} ex/s): {tl / cw:.2f}x")
print(f"  CPU time (user + system, whole process) predict {med(cpu(f'{d}/c.time.{r}') for r in R):.2f} s, "
      f"torch {med(cpu(f'{d}/t.time.{r}') for r in R):.2f} s (its loop alone "
      f"{med(float(kv(f'{d}/t.{r}')['predict_cpu_s']) for r in R):.2f} s)")
print(f"  peak RSS predict {med(rss(f'{d}/c.time.{r}') for r in R):.0f} MB, torch {med(rss(f'{d}/t.time.{r}') for r in R):.0f} MB")
print(f"  same prediction on {agree}/{len(c)} examples, largest logit difference {dmax:.2e}")
PYEOF
