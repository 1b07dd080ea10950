#!/usr/bin/env bash
# bench/model/run.sh [PYTHON] -- one bert-base-shaped training step and
# predict throughput, pipetune's CPU backend (bench_step.c) against PyTorch +
# transformers (torch_step.py), same shapes (B=8, T=72), same 2 threads.
# Run from the repository root after `make`. Env: STEPS (10), WARMUP (2),
# BATCHES (10), REPS (3: each side is run REPS times, alternating; medians),
# SHAPE (base: bert-base-uncased; minilm: all-MiniLM-L6-v2, the demo's model),
# ATTN (PyTorch's attention: sdpa, transformers' default, or eager),
# PRECISION (fp32, or bf16: bench_step --precision bf16 against torch
# autocast bf16, and the peak is oneDNN's bf16 matmul, bench/model/dnnl_peak.c),
# TORCH_WAIT (PyTorch's OMP_WAIT_POLICY: unset, libgomp's default, or
# passive; on a loaded machine libgomp's spinning slows PyTorch several-fold).
set -euo pipefail
PY=${1:-/root/ref-venv/bin/python}
STEPS=${STEPS:-10} WARMUP=${WARMUP:-2} BATCHES=${BATCHES:-10} REPS=${REPS:-3} SHAPE=${SHAPE:-base} ATTN=${ATTN:-sdpa}
PRECISION=${PRECISION:-fp32} TORCH_WAIT=${TORCH_WAIT:-}
# pipetune runs with OMP_WAIT_POLICY=passive, as train/predict re-exec
# themselves (lib/util.c); PyTorch with its default (libgomp spins a while
# before sleeping), as the Trainer runs: passive would slow it down.
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset: autodetect>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>}"
make -s -f Makefile -f bench/model/bench.mk bench-step
BIN=build/bench/model/bench_step
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
popt=
if [ "$PRECISION" = fp32 ]; then
	"$BIN" --peak | tee "$out/peak"
else
	make -s -f Makefile -f bench/model/bench.mk dnnl-peak
	build/bench/model/dnnl_peak | sed 's/^bf16_gflops/peak_gflops/' | tee "$out/peak"
	popt="--precision $PRECISION"
fi
torch_env="env -u OMP_WAIT_POLICY"
[ -z "$TORCH_WAIT" ] || torch_env="env OMP_WAIT_POLICY=$TORCH_WAIT"
echo "precision $PRECISION, PyTorch OMP_WAIT_POLICY=${TORCH_WAIT:-<unset>}"
for r in $(seq "$REPS"); do
	echo "rep $r: $(uptime)"
	OMP_WAIT_POLICY=passive /usr/bin/time -v "$BIN" --steps "$STEPS" --warmup "$WARMUP" --batches "$BATCHES" --shape "$SHAPE" \
		$popt >"$out/c.$r" 2>"$out/c.time.$r"
	$torch_env /usr/bin/time -v "$PY" bench/model/torch_step.py --steps "$STEPS" --warmup "$WARMUP" --batches "$BATCHES" \
		--threads 2 --shape "$SHAPE" --attn "$ATTN" --precision "$PRECISION" >"$out/t.$r" 2>"$out/t.time.$r"
	echo "rep $r: pipetune step $(awk '$1=="step_ms"{print $2}' "$out/c.$r") ms, torch step $(awk '$1=="step_ms"{print $2}' "$out/t.$r") ms," \
		"predict $(awk '$1=="predict_batch_ms"{print $2}' "$out/c.$r") / $(awk '$1=="predict_batch_ms"{print $2}' "$out/t.$r") ms a batch"
done
echo "after: $(uptime)"
echo "--- last pipetune run:"; cat "$out/c.$REPS"
echo "--- last torch run:"; cat "$out/t.$REPS"
"$PY" - "$out" "$REPS" <<'PYEOF'
import statistics, sys, re
d, reps = sys.argv[1], int(sys.argv[2])
def kv(f):
    return {l.split()[0]: l.split()[1] for l in open(f) if len(l.split()) >= 2}
def rss(f):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) / 1024
med = lambda xs: statistics.median(xs)
c = [kv(f"{d}/c.{r}") for r in range(1, reps + 1)]
t = [kv(f"{d}/t.{r}") for r in range(1, reps + 1)]
cs, ts = med(float(x["step_ms"]) for x in c), med(float(x["step_ms"]) for x in t)
cp, tp = med(float(x["predict_examples_per_s"]) for x in c), med(float(x["predict_examples_per_s"]) for x in t)
cr, tr = med(rss(f"{d}/c.time.{r}") for r in range(1, reps + 1)), med(rss(f"{d}/t.time.{r}") for r in range(1, reps + 1))
pk = kv(f"{d}/peak")
peak = float(pk.get("sgemm_2048_gflops") or pk["peak_gflops"])
pname = "2048^3 sgemm" if "sgemm_2048_gflops" in pk else f"2048^3 oneDNN bf16 matmul, {pk.get('bf16_impl')},"
gf = float(c[0]["step_gemm_gflop"])
print(f"median of {reps}: train step pipetune {cs:.0f} ms vs torch {ts:.0f} ms: {ts / cs:.2f}x")
print(f"  predict pipetune {cp:.1f} ex/s vs torch {tp:.1f} ex/s: {cp / tp:.2f}x")
print(f"  peak RSS (time -v) pipetune {cr:.0f} MB vs torch {tr:.0f} MB: {cr / tr:.2f} of torch's")
print(f"  step GEMMs {gf:.1f} GFLOP: pipetune {gf / cs * 1e3:.0f} GFLOP/s = {gf / cs * 1e3 / peak:.0%} of the "
      f"{pname} ({peak:.0f} GFLOP/s); torch {gf / ts * 1e3:.0f} GFLOP/s = {gf / ts * 1e3 / peak:.0%}")
print(f"  medians: step {cs:.1f} / {ts:.1f} ms, predict batch "
      f"{med(float(x['predict_batch_ms']) for x in c):.1f} / {med(float(x['predict_batch_ms']) for x in t):.1f} ms")
PYEOF
