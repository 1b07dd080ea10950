#!/bin/bash
# bench/mpi: step time of data-parallel training, 1 rank vs N ranks on this
# machine (same global batches, same total threads: 1 rank x NPROC threads
# against NPROC ranks x 1 thread). Uses the demo model and MRPC train.
#   bench/mpi/run.sh [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-40}
MODEL=${MODEL:-models/all-MiniLM-L6-v2}
G=${SHARED:-../shared}/data/glue/MRPC
N=$(nproc)
scripts/fetch-model.sh "$MODEL" >&2
make -s all >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin/tok --model "$MODEL" --task mrpc < "$G/train.tsv" | bin/collate > "$tmp/train.mpk"
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
run() { # label, launcher...
	local label=$1; shift
	"$@" bin/train --model "$MODEL" --num-labels 2 --output-dir "$tmp/run" --max-steps "$STEPS" \
		--save-steps 0 --no-progress "$tmp/train.mpk" 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
	sps=$(sed -n 's/.*"train_steps_per_second": \([^,]*\),.*/\1/p' "$tmp/log")
	printf '%-28s %s steps/s (%s s/step)\n' "$label" "$sps" "$(echo "scale=3; 1/$sps" | bc)"
}
OMP_NUM_THREADS=$N OPENBLAS_NUM_THREADS=$N run "1 rank x $N threads" env
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 run "1 rank x 1 thread" env
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 run "$N ranks x 1 thread" \
	mpirun --allow-run-as-root --oversubscribe -np "$N" -x OMP_NUM_THREADS -x OPENBLAS_NUM_THREADS
