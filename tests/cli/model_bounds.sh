#!/bin/bash
# Model folders from strangers: sizes computed from config.json are
# overflow-checked (issue 13, defect 1: a parameter count that wrapped to
# 12 bytes, then an out-of-bounds write), and a checkpoint that does not
# fit the config is refused before the model's memory is allocated.
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
[ -x "$BINDIR/train" ] && [ -x "$BINDIR/predict" ] || skip "train/predict not built"
# every field within the per-field limit (2^30), the parameter count far beyond size_t
mkdir -p "$T/huge"
cat > "$T/huge/config.json" <<'JSON'
{"vocab_size": 1073741824, "hidden_size": 1073741824, "max_position_embeddings": 1073741824,
 "type_vocab_size": 1073741808, "num_hidden_layers": 1, "intermediate_size": 1,
 "num_attention_heads": 1, "num_labels": 2}
JSON
expect_fail 1 "^train: model config: parameter (count|bytes): too large \(size overflow" \
	"$BINDIR/train" --model "$T/huge" --from-scratch --output-dir "$T/run" --no-progress "$F/cls_batches.mpk"
[ -e "$T/run" ] && fail "a refused run left $T/run behind"
# predict: a header-only safetensors (no tensors); with 1 layer it is a
# checkpoint that does not fit, with 0 layers the count itself overflows,
# and a size that does fit size_t but no memory is a clean "out of memory"
printf '\x20\x00\x00\x00\x00\x00\x00\x00{"__metadata__":{"format":"pt"}}' > "$T/huge/model.safetensors"
expect_fail 1 "huge: the checkpoint has 0 encoder layers, the config 1 \(num_hidden_layers\)" \
	"$BINDIR/predict" --model "$T/huge" "$F/cls_batches.mpk"
expect_fail 1 "^predict: model config: parameter (count|bytes): too large \(size overflow" \
	"$BINDIR/predict" --model "$T/huge" --set num_hidden_layers=0 --set type_vocab_size=1073741824 "$F/cls_batches.mpk"
"$BINDIR/predict" --model "$T/huge" --set num_hidden_layers=0 "$F/cls_batches.mpk" > /dev/null 2> "$T/oom"
rc=$?
# (the sanitizer build adds its own warning line about the failed allocation)
grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' "$T/oom" > "$T/oom1"
[ $rc -eq 1 ] && [ "$(wc -l < "$T/oom1")" -eq 1 ] && grep -q "^predict: out of memory" "$T/oom1" \
	|| fail "an allocation that cannot succeed: exit $rc, $(cat "$T/oom")"
# 100000 layers over a 2-layer checkpoint: refused from the headers, at once
# (before: ~1 GB allocated and 99998 freshly initialized layers run)
expect_fail 1 "cls: the checkpoint has 2 encoder layers, the config 100000 \(num_hidden_layers\): the checkpoint does not fit the config" \
	"$BINDIR/predict" --model "$F/cls" --set num_hidden_layers=100000 "$F/cls_batches.mpk"
expect_fail 1 "cls: the checkpoint has 2 encoder layers, the config 100000" \
	"$BINDIR/train" --model "$F/cls" --set num_hidden_layers=100000 --output-dir "$T/out2" --no-progress \
	"$F/cls_batches.mpk"
[ -e "$T/out2" ] && fail "a refused run left $T/out2 behind"
# a shape that does not fit is found from the headers too
expect_fail 1 "tensor 'bert.embeddings.word_embeddings.weight' has shape \[64, 16\] but the config needs \[1073741824, 16\]" \
	"$BINDIR/predict" --model "$F/cls" --set vocab_size=1073741824 "$F/cls_batches.mpk"
# fewer layers than the checkpoint: its extra layers go unused, as in transformers
"$BINDIR/predict" --model "$F/cls" --set num_hidden_layers=1 "$F/cls_batches.mpk" >/dev/null 2>"$T/err" \
	|| fail "a 1-layer model from a 2-layer checkpoint: $(cat "$T/err")"
grep -q "were not used" "$T/err" || fail "no unused-weights report: $(cat "$T/err")"
exit 0
