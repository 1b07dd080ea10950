#!/bin/sh
# pipelines/sweep-summary.sh RUN...: one table of a sweep's results. Each RUN
# folder holds train.settings (lines KEY=VALUE, as glue.mk writes them) and
# metrics.json (glue-metric's output, one flat JSON object). Prints, tab
# separated, one row per learning rate (in the order first seen): lr, the
# number of runs (seeds), the seeds, then each metric's mean and sample
# standard deviation over those runs (std 0 for a single run).
set -eu
[ $# -gt 0 ] || { echo "sweep-summary.sh: no run folders given" >&2; exit 2; }
for run in "$@"; do
	for f in train.settings metrics.json; do
		[ -s "$run/$f" ] || { echo "sweep-summary.sh: $run/$f: missing" >&2; exit 1; }
	done
	lr=$(sed -n 's/^lr=//p' "$run/train.settings")
	seed=$(sed -n 's/^seed=//p' "$run/train.settings")
	# {"accuracy": 0.81, "f1": 0.87} -> "accuracy 0.81" lines
	tr -d '{}\n' <"$run/metrics.json" | tr ',' '\n' | tr -d '" ' | tr ':' ' ' |
		awk -v lr="$lr" -v seed="$seed" -v run="$run" 'NF == 2 { print lr, seed, $1, $2; n++ }
		END { if (!n) { print "sweep-summary.sh: " run "/metrics.json: no metrics" > "/dev/stderr"; exit 1 } }'
done | awk '
{
	if (!($1 in seen)) { seen[$1] = 1; lrs[++nl] = $1 }
	if (!(($1, $2) in runs)) { runs[$1, $2] = 1; nrun[$1]++; seeds[$1] = seeds[$1] (nrun[$1] > 1 ? "," : "") $2 }
	if (!($3 in ismetric)) { ismetric[$3] = 1; metrics[++nm] = $3 }
	k = $1 SUBSEP $3; n[k]++; s[k] += $4; ss[k] += $4 * $4
}
END {
	printf "lr\truns\tseeds"
	for (j = 1; j <= nm; j++) printf "\t%s_mean\t%s_std", metrics[j], metrics[j]
	printf "\n"
	for (i = 1; i <= nl; i++) {
		lr = lrs[i]; printf "%s\t%d\t%s", lr, nrun[lr], seeds[lr]
		for (j = 1; j <= nm; j++) {
			k = lr SUBSEP metrics[j]; c = n[k]; m = s[k] / c
			v = c > 1 ? (ss[k] - c * m * m) / (c - 1) : 0
			printf "\t%.4f\t%.4f", m, (v > 0 ? sqrt(v) : 0)
		}
		printf "\n"
	}
}'
