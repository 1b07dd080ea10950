# Tiny models for the CLI tests (sourced after lib.sh).
#
# tiny_config: the config.json of a 2-layer hidden-32 BERT for 2 labels with
# bert-base-uncased's vocabulary size, rows of up to 64 tokens.
tiny_config() {
	cat <<'JSON'
{"architectures": ["BertForSequenceClassification"], "model_type": "bert",
 "vocab_size": 30522, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
 "intermediate_size": 37, "max_position_embeddings": 64, "type_vocab_size": 2,
 "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
 "layer_norm_eps": 1e-12, "initializer_range": 0.02, "pad_token_id": 0, "num_labels": 2}
JSON
}
# mk_default_model DIR: a tiny pretrained-looking model folder for the
# tests that run tools without --model: a 2-layer
# hidden-32 BERT with bert-base-uncased's vocabulary and truncation at 64
# tokens, its weights drawn by train --from-scratch (one step on 8 MRPC
# examples). About a second.
mk_default_model() {
	local dir=$1 src=$T/mk_default_model
	mkdir -p "$src" "$(dirname "$dir")"
	cp "$DATA/bert/bert-base-uncased/vocab.txt" "$src/"
	echo '{"do_lower_case": true, "model_max_length": 64}' >"$src/tokenizer_config.json"
	tiny_config >"$src/config.json"
	head -n 9 "$DATA/glue/MRPC/dev.tsv" | "$BINDIR/tok" --model "$src" --task mrpc 2>/dev/null |
		"$BINDIR/collate" >"$src/b.mpk" || fail "mk_default_model: tok | collate"
	"$BINDIR/train" --model "$src" --from-scratch --max-steps 1 --save-steps 0 --no-progress \
		--output-dir "$dir" "$src/b.mpk" 2>"$src/err" </dev/null || fail "mk_default_model: train: $(cat "$src/err")"
}
