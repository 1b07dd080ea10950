#!/bin/bash
# predict on bad input: one clear stderr line naming the file, record and
# field (or tensor), exit 1, and no output at all (stdout empty, no -o file);
# usage errors exit 2.
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
P=$BINDIR/predict
[ -x "$P" ] || skip "predict not built"

no_output() { [ ! -s "$T/out" ] || fail "$1: wrote to stdout"; }

# batches that do not fit the model
expect_fail 1 "bad_ids.mpk: record 1: field 'input_ids': row 1, position 2: id 64 is outside the vocabulary \(vocab_size 64\)" \
	"$P" --model "$F/cls" "$F/bad_ids.mpk"
no_output bad_ids
expect_fail 1 "bad_label.mpk: record 0: field 'labels': row 3: label 2 is outside \[0, 2\)" "$P" --model "$F/cls" "$F/bad_label.mpk"
no_output bad_label
expect_fail 1 "bad_type.mpk: record 0: field 'token_type_ids': row 0, position 1: 2 is outside \[0, 2\)" \
	"$P" --model "$F/cls" "$F/bad_type.mpk"
# with -o: nothing left behind
expect_fail 1 "id 64 is outside the vocabulary" "$P" --model "$F/cls" -o "$T/pred.mpk" "$F/bad_ids.mpk"
ls "$T" | grep -q pred.mpk && fail "-o left a file behind"
# a truncated stream
head -c 300 "$F/cls_batches.mpk" >"$T/trunc.mpk"
expect_fail 1 "trunc.mpk" "$P" --model "$F/cls" "$T/trunc.mpk"
no_output truncated-stream
# float labels for a classifier
if [ -x "$BINDIR/msgpack2json" ] && [ -x "$BINDIR/json2msgpack" ]; then
	"$BINDIR/msgpack2json" <"$F/reg_batches.mpk" | "$BINDIR/json2msgpack" >"$T/float.mpk"
	expect_fail 1 "record 0: field 'labels'" "$P" --model "$F/cls" "$T/float.mpk"
fi

# models that cannot load
expect_fail 1 "model '.*/nope': no such folder; get the demo's model with scripts/fetch-model.sh" "$P" --model "$T/nope" "$F/cls_batches.mpk"
cp -r "$F/cls" "$T/m"
sed -i 's/"vocab_size": 64/"vocab_size": 70/' "$T/m/config.json"
expect_fail 1 "tensor 'bert.embeddings.word_embeddings.weight' has shape \[64, 16\] but the config needs \[70, 16\]" \
	"$P" --model "$T/m" "$F/cls_batches.mpk"
no_output shape
rm -r "$T/m" && cp -r "$F/cls" "$T/m"
head -c 20000 "$F/cls/model.safetensors" >"$T/m/model.safetensors"
expect_fail 1 "model.safetensors: truncated: tensor '.*' ends at data offset [0-9]+ but the file has [0-9]+ data bytes" \
	"$P" --model "$T/m" "$F/cls_batches.mpk"
head -c 6 "$F/cls/model.safetensors" >"$T/m/model.safetensors"
expect_fail 1 "model.safetensors: truncated: 6 bytes" "$P" --model "$T/m" "$F/cls_batches.mpk"
rm "$T/m/model.safetensors"
expect_fail 1 "m: no model.safetensors or model.safetensors.index.json in this folder" "$P" --model "$T/m" "$F/cls_batches.mpk"
printf 'PK' >"$T/m/pytorch_model.bin"
expect_fail 1 "has only pytorch_model.bin .*convert it once with: python3 -c .*save_file.* DIR$" \
	"$P" --model "$T/m" "$F/cls_batches.mpk"
rm -r "$T/m"

# device and usage
# --device cuda: one line and exit 1 where CUDA cannot run (no GPU, or a
# build without nvcc); where it can, as many records as on the CPU
if "$P" --model "$F/cls" --device cuda "$F/cls_batches.mpk" >"$T/cuda.mpk" 2>"$T/cuda.err"; then
	"$P" --model "$F/cls" --device cpu "$F/cls_batches.mpk" >"$T/cpu.mpk" 2>/dev/null || fail "--device cpu"
	[ "$("$BINDIR/msgpack2json" <"$T/cuda.mpk" | wc -l)" -eq "$("$BINDIR/msgpack2json" <"$T/cpu.mpk" | wc -l)" ] \
		|| fail "--device cuda: not as many records as --device cpu"
else
	expect_fail 1 "^predict: --device cuda: " "$P" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
	no_output cuda
fi
expect_fail 2 "--device: expected cpu, cuda or auto, got 'tpu'" "$P" --model "$F/cls" --device tpu
expect_fail 2 "--precision: expected fp32, tf32, bf16 or fp16, got 'fp8'" "$P" --model "$F/cls" --precision fp8
expect_fail 1 "^predict: --precision tf32: the cpu backend computes in fp32 or bf16; use --device cuda$" \
	"$P" --model "$F/cls" --device cpu --precision tf32 "$F/cls_batches.mpk"
no_output precision
expect_fail 2 "--model DIR is required" "$P" "$F/cls_batches.mpk"
expect_fail 2 "at most one input FILE" "$P" --model "$F/cls" a b
expect_fail 2 "--seed: expected an integer" "$P" --model "$F/cls" --seed x
echo ok
