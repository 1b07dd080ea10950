# Issue 15 item 1: `tok < train.tsv | collate | train --epochs 3` runs as
# written: the default model (PIPETUNE_MODEL, or the models/ folder by
# name), the GLUE task recognised from the TSV header, the output in
# trainer_output/; --model NAME looked up in PIPETUNE_MODELS and ./models,
# and a miss says where it looked and how to get a model.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_model.sh"
[ -f "$DATA/glue/MRPC/train.tsv" ] || skip "no MRPC in $DATA"
export PATH=$BINDIR:$PATH
unset PIPETUNE_MODEL PIPETUNE_MODELS
mk_default_model "$T/models/tiny-default"
mkdir "$T/work" && cd "$T/work" || fail "cd"
head -n 33 "$DATA/glue/MRPC/train.tsv" >train.tsv

# the user's line, literally, with the default model named by PIPETUNE_MODEL
set -o pipefail
export PIPETUNE_MODEL=$T/models/tiny-default
tok < train.tsv | collate | train --epochs 3 2>err.txt || fail "the user's line failed: $(cat err.txt)"
for f in model.safetensors config.json vocab.txt trainer_state.json; do
	[ -s trainer_output/$f ] || fail "trainer_output/$f missing: $(ls trainer_output)"
done
grep -q '"global_step": 12' trainer_output/trainer_state.json || fail "expected 12 steps (4 batches, 3 epochs)"
grep -q "^train: model: $T/models/tiny-default (from PIPETUNE_MODEL)" err.txt || fail "train does not say which model: $(cat err.txt)"
tok < train.tsv 2>err.txt >/dev/null || fail "tok"
grep -q "^tok: task: mrpc (recognised from the columns of stdin" err.txt || fail "tok does not say which task: $(cat err.txt)"
grep -q "^tok: model: $T/models/tiny-default (from PIPETUNE_MODEL)" err.txt || fail "tok does not say which model: $(cat err.txt)"
unset PIPETUNE_MODEL

# without PIPETUNE_MODEL: the default name in ./models (what `make` fetches)
mkdir models && ln -s "$T/models/tiny-default" models/all-MiniLM-L6-v2
tok < train.tsv 2>err.txt | collate >batches.mpk || fail "tok with the default model: $(cat err.txt)"
grep -q "^tok: model: models/all-MiniLM-L6-v2 (the default" err.txt || fail "default model not reported: $(cat err.txt)"
rm -r models

# --model NAME: PIPETUNE_MODELS, then ./models; org/name finds name
PIPETUNE_MODELS=$T/nowhere:$T/models tok --model tiny-default < train.tsv >a.mpk 2>err.txt || fail "name lookup: $(cat err.txt)"
grep -q "^tok: model: $T/models/tiny-default (found by name)" err.txt || fail "lookup not reported: $(cat err.txt)"
PIPETUNE_MODELS=$T/models tok --model someorg/tiny-default < train.tsv >b.mpk 2>/dev/null || fail "org/name lookup"
cmp -s a.mpk b.mpk || fail "org/name found another model"
PIPETUNE_MODELS=$T/models predict --model tiny-default batches.mpk 2>/dev/null | msgpack2json | grep -q prediction ||
	fail "predict --model NAME"
mkdir models && ln -s "$T/models/tiny-default" models/mine
train --model mine --max-steps 1 --output-dir out2 batches.mpk 2>err.txt || fail "train --model NAME in ./models: $(cat err.txt)"
grep -q "^train: model: models/mine (found by name)" err.txt || fail "train lookup: $(cat err.txt)"

# a miss: where it looked and how to get a model
expect_fail 1 "model 'bert-base-uncased': not a folder, and no folder of that name in the models directories .*$T/nowhere, models, .*scripts/fetch-model.sh" \
	env PIPETUNE_MODELS=$T/nowhere tok --model bert-base-uncased train.tsv
exit 0
