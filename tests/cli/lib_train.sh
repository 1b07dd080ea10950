# Shared set-up for the train tests (sourced after lib.sh): a tiny BERT
# config with bert-base-uncased's vocabulary in $T/tiny, and MRPC dev's
# first 64 examples as collated batches in $T/train.mpk and $T/eval.mpk.
. "$PT_ROOT/tests/cli/lib_model.sh"
mk_tiny_model() {
	mkdir -p "$T/tiny"
	cp "$DATA/bert/bert-base-uncased/vocab.txt" "$DATA/bert/bert-base-uncased/tokenizer_config.json" "$T/tiny/"
	tiny_config >"$T/tiny/config.json"
}
mk_batches() {
	head -n 65 "$DATA/glue/MRPC/dev.tsv" > "$T/dev64.tsv"
	"$BINDIR/tok" --model "$T/tiny" --task mrpc --max-length 64 < "$T/dev64.tsv" > "$T/tok.mpk" || fail tok
	"$BINDIR/collate" --batch-size 8 -o "$T/train.mpk" < "$T/tok.mpk" || fail collate
	"$BINDIR/collate" --batch-size 16 -o "$T/eval.mpk" < "$T/tok.mpk" || fail collate
}
# train_tiny OUTDIR [ARGS...]: a from-scratch run on $T/train.mpk.
train_tiny() {
	local out=$1; shift
	"$BINDIR/train" --model "$T/tiny" --from-scratch --output-dir "$out" --lr 1e-3 \
		--logging-steps 4 --save-steps 4 --no-progress "$@" "$T/train.mpk"
}
mk_tiny_model
mk_batches
