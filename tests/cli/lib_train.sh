# Shared set-up for the train tests (sourced after lib.sh): a tiny BERT
# config with bert-base-uncased's vocabulary in $T/tiny, and MRPC dev's
# first 64 examples as collated batches in $T/train.mpk and $T/eval.mpk.
mk_tiny_model() {
	mkdir -p "$T/tiny"
	cp "$DATA/bert/bert-base-uncased/vocab.txt" "$DATA/bert/bert-base-uncased/tokenizer_config.json" "$T/tiny/"
	cat > "$T/tiny/config.json" <<'JSON'
{"architectures": ["BertForSequenceClassification"], "model_type": "bert",
 "vocab_size": 30522, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
 "intermediate_size": 37, "max_position_embeddings": 64, "type_vocab_size": 2,
 "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
 "layer_norm_eps": 1e-12, "initializer_range": 0.02, "pad_token_id": 0, "num_labels": 2}
JSON
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
