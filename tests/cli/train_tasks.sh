# Other GLUE tasks through every tool: STS-B (regression: one output, MSE,
# pearson/spearmanr) and CoLA (single sentences, matthews_correlation).
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=$BINDIR:$PATH
run_task() { # task folder num_labels metric-regexp
	local task=$1 dir=$2 nl=$3 re=$4
	head -n 41 "$DATA/glue/$dir/dev.tsv" > "$T/$task.tsv"
	tok --model "$T/tiny" --task "$task" --max-length 64 < "$T/$task.tsv" | collate -o "$T/$task.mpk" || fail "$task: tok|collate"
	train --model "$T/tiny" --from-scratch --num-labels "$nl" --output-dir "$T/$task" --max-steps 6 \
		--no-progress --eval "$T/$task.mpk" --metric "glue-metric $task" "$T/$task.mpk" 2>"$T/$task.log" \
		|| fail "$task: train: $(cat "$T/$task.log")"
	predict --model "$T/$task" < "$T/$task.mpk" 2>/dev/null | glue-metric "$task" > "$T/$task.json" || fail "$task: predict|glue-metric"
	grep -Eq "$re" "$T/$task.json" || fail "$task: metrics $(cat "$T/$task.json")"
	grep -q '"eval_loss"' "$T/$task.log" || fail "$task: no eval_loss"
}
# CoLA dev has no header: 41 lines are 41 examples; STS-B: a header + 40
run_task stsb STS-B 1 '^\{"pearson": [-0-9.e]+, "spearmanr": [-0-9.e]+\}$'
grep -q '"problem_type": "regression"' "$T/stsb/config.json" || fail "stsb: config.json has no regression problem_type"
run_task cola CoLA 2 '^\{"matthews_correlation": [-0-9.e]+\}$'
exit 0
