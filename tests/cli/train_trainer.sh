# Issue 15 item 4: what a Trainer user expects. trainer_state.json holds
# TrainerState's fields only (TrainerState.load_from_json is
# cls(**json); fields from tests/golden/make_trainer_state_fields.py), the
# logs carry eval_steps_per_second and total_flos, tok's label names reach
# config.json's id2label/label2id, the TrainingArguments spellings work,
# training_args.json holds the run's settings, and every message of train
# names it "train".
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_train.sh"
export PATH=$BINDIR:$PATH
FIELDS=$PT_ROOT/tests/golden/fixtures/trainer/trainer_state_fields.txt
train_tiny "$T/a" --epochs 2 --eval "$T/eval.mpk" --metric 'glue-metric mrpc' </dev/null 2>"$T/a.log" ||
	fail "train: $(cat "$T/a.log")"

# trainer_state.json: every top-level key a TrainerState field, in the final folder and a checkpoint
for st in "$T/a/trainer_state.json" "$T/a/checkpoint-8/trainer_state.json"; do
	keys=$(grep -Eo '^  "[a-z_0-9]+":' "$st" | tr -d ' ":')
	[ -n "$keys" ] || fail "$st: no keys"
	for k in $keys; do
		grep -qx "$k" "$FIELDS" || fail "$st: '$k' is not a field of TrainerState: load_from_json would raise"
	done
	for k in global_step epoch max_steps log_history total_flos; do
		echo "$keys" | grep -qx "$k" || fail "$st: no $k"
	done
done
grep -Eq '"stateful_callbacks": \{"pipetune": \{"args": \{\}, "attributes": \{"seed": 42, .*"steps_per_epoch": 8,' \
	"$T/a/trainer_state.json" || fail "pipetune's resume fields not under stateful_callbacks"

# the logs: eval_steps_per_second on each evaluation, total_flos in the summary and the state
[ "$(grep -c '"eval_steps_per_second": ' "$T/a.log")" -eq 2 ] || fail "eval_steps_per_second: $(grep eval_ "$T/a.log")"
grep -Eq '"train_steps_per_second": [0-9.e+-]+, "total_flos": [1-9][0-9.e+]*, "train_loss"' "$T/a.log" ||
	fail "no total_flos in the summary: $(tail -n 2 "$T/a.log")"
# 6 x non-embedding parameters x padded tokens of the 16 steps; the tiny
# model's: 2 layers of (4 x 32x32 + 32) + 32x37+37 + 37x32+32 + 2 LayerNorms,
# the embeddings' LayerNorm, the pooler and the 2-label classifier
nonembed=$(( 2 * (4 * (32*32 + 32) + 32*37 + 37 + 37*32 + 32 + 2*2*32) + 2*32 + 32*32 + 32 + 32*2 + 2 ))
tokens=$(awk -F'"total_flos": ' 'NF > 1 { split($2, a, /[,}]/); print a[1] }' "$T/a/trainer_state.json" | head -n 1)
awk -v f="$tokens" -v p="$nonembed" 'BEGIN { t = f / (6 * p); exit !(t == int(t) && t > 16 * 8) }' ||
	fail "total_flos $tokens is not 6 x $nonembed non-embedding parameters x a token count"
grep -q '	total_flos	' "$T/a/log.tsv" || fail "total_flos not in log.tsv"

# label names: tok's MRPC names reach config.json; --label-names overrides; a wrong count is refused
grep -q '"0": "not_equivalent"' "$T/a/config.json" && grep -q '"equivalent": 1' "$T/a/config.json" ||
	fail "config.json lacks MRPC's label names: $(grep -A3 id2label "$T/a/config.json")"
train_tiny "$T/b" --max-steps 1 --label-names no,yes </dev/null 2>/dev/null || fail "--label-names"
grep -q '"1": "yes"' "$T/b/config.json" && grep -q '"no": 0' "$T/b/config.json" || fail "--label-names not in config.json"
expect_fail 2 "^train: --label-names: expected 2 distinct names \(num_labels\), got 'a,b,c'" \
	train_tiny "$T/b2" --max-steps 1 --label-names a,b,c

# TrainingArguments spellings: the same run as the short options
"$BINDIR/train" --model-name-or-path "$T/tiny" --from-scratch --output-dir "$T/c" --num-train-epochs 1 \
	--learning-rate 1e-3 --evaluation-strategy no --logging-steps 4 --save-steps 0 --no-progress \
	"$T/train.mpk" </dev/null 2>/dev/null || fail "TrainingArguments spellings refused"
train_tiny "$T/d" --epochs 1 --save-steps 0 </dev/null 2>/dev/null || fail "short spellings"
cmp -s "$T/c/model.safetensors" "$T/d/model.safetensors" || fail "the TrainingArguments spellings ran another training"
"$BINDIR/collate" --per-device-train-batch-size 4 "$T/tok.mpk" | cmp -s - <("$BINDIR/collate" -b 4 "$T/tok.mpk") ||
	fail "collate --per-device-train-batch-size"
for o in --num-train-epochs --learning-rate --evaluation-strategy --model-name-or-path --label-names; do
	"$BINDIR/train" --help | grep -q -- "$o" || fail "train --help does not document $o"
done
"$BINDIR/collate" --help | grep -q -- --per-device-train-batch-size || fail "collate --help: --per-device-train-batch-size"

# training_args.json: the run's settings beside the model
for kv in '"learning_rate": 0.001' '"num_train_epochs": 2.0' '"seed": 42' '"per_device_train_batch_size": 8' \
	'"eval_strategy": "epoch"' '"metric": "glue-metric mrpc"' "\"output_dir\": \"$T/a\""; do
	grep -qF "$kv" "$T/a/training_args.json" || fail "training_args.json lacks $kv: $(cat "$T/a/training_args.json")"
done

# one program name: train run by its path names itself "train" in every line, getopt's too
"$BINDIR/train" --bogus 2>"$T/e.log" && fail "--bogus accepted"
grep -v "^train: \|^Try 'train --help'" "$T/e.log" && fail "a line does not name the tool 'train'"
"$BINDIR/tok" --task 2>"$T/e.log"
grep -v "^tok: \|^Try 'tok --help'" "$T/e.log" && fail "a line does not name the tool 'tok'"
exit 0
