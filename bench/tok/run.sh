#!/bin/bash
# Times bin/tok against Python `tokenizers` (BertTokenizerFast, one thread)
# on the same GLUE files, same work: read the TSV, encode to ids with
# truncation (Python: batched calls of 1000, as datasets.map does), write
# the ids out (tok: msgpack to /dev/null; Python: ids kept in lists).
# tok's time is its whole process (loading the vocab included); Python's is
# measured inside the process after the imports and the tokenizer load,
# which favours Python.
# Reports wall time, examples/s, the speed ratio and peak RSS (/usr/bin/time -v).
# Usage: bench/tok/run.sh [PYTHON] (default /root/ref-venv/bin/python); run from the repo root.
set -eu
PY=${1:-/root/ref-venv/bin/python}
SHARED=${SHARED:-$(cd .. && pwd)/shared}
M=$SHARED/data/bert/bert-base-uncased
G=$SHARED/data/glue
export TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1
[ -x bin/tok ] || { echo "build bin/tok first (make bin/tok)" >&2; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
measure() { # label, command... -> "seconds maxrss_kb"
	local label=$1; shift
	/usr/bin/time -v "$@" >/dev/null 2>"$T/time" || { cat "$T/time" >&2; exit 1; }
	local s rss
	s=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (i = 1; i <= n; i++) t = t * 60 + p[i]; print t }' "$T/time")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/time")
	echo "$s $rss"
}
for spec in sst2:SST-2/train.tsv mrpc:MRPC/train.tsv; do
	task=${spec%%:*}; f=$G/${spec#*:}
	n=$(bin/tok -m "$M" -t "$task" "$f" | wc -c >/dev/null; awk 'END { print NR - 1 }' "$f")
	best_c=999999; best_p=999999
	for rep in 1 2 3; do
		read -r c crss < <(measure tok bin/tok -m "$M" -t "$task" "$f" -o /dev/null)
		read -r pw prss < <(BENCH_OUT=$T/py measure python "$PY" bench/tok/ref.py "$M" "$task" "$f")
		p=$(cat "$T/py")  # tokenizing only: without Python's start-up and imports
		best_c=$(awk -v a="$c" -v b="$best_c" 'BEGIN { print (a < b) ? a : b }')
		best_p=$(awk -v a="$p" -v b="$best_p" 'BEGIN { print (a < b) ? a : b }')
	done
	awk -v f="${spec#*:}" -v n="$n" -v c="$best_c" -v p="$best_p" -v cr="$crss" -v pr="$prss" 'BEGIN {
		printf "%-16s %6d ex  tok %6.3fs (%7.0f ex/s, %6.1f MB RSS)  tokenizers %6.3fs (%7.0f ex/s, %6.1f MB RSS)  speed-up %.2fx\n",
		       f, n, c, n / c, cr / 1024, p, n / p, pr / 1024, p / c }'
done
