/* config: a BERT model's config.json (Hugging Face layout).
 *
 * The parsed JSON is kept in `json` so that keys this program does not know
 * survive a load/save round trip. */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

typedef struct {
	int vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
	    max_position_embeddings, type_vocab_size, num_labels, pad_token_id;
	float layer_norm_eps, hidden_dropout_prob, attention_probs_dropout_prob,
	      classifier_dropout /* < 0 when null/unset */, initializer_range;
	char problem_type[48];   /* "", "single_label_classification", "regression" */
	char **id2label;         /* num_labels strings, or NULL */
	void *json;              /* the parsed config.json (json_t*), kept so unknown keys survive a save */
	char dir[1024];          /* the model folder it was loaded from ("" when unknown or too long):
	                            its tokenizer is the one input ids must come from */
} bert_config;

/* Reads model_dir/config.json (or model_dir itself when it names a .json
 * file) and records the folder in c->dir. Dies with one line on a missing file, bad JSON, a wrong-typed or
 * out-of-range value, or hidden_act other than "gelu". num_labels comes from
 * "num_labels", else from the size of "id2label", else 2. Missing keys take
 * the BertConfig defaults. */
void bert_config_load(const char *model_dir, bert_config *c);

/* Applies one "--set KEY=VALUE" override (e.g. hidden_dropout_prob=0,
 * classifier_dropout=null, num_labels=3). Dies on an unknown key or a bad
 * value. */
void bert_config_set(bert_config *c, const char *key_eq_value);

/* Sets num_labels (n >= 1), resets id2label/label2id to LABEL_0.. and sets
 * problem_type ("regression" when n == 1, else "single_label_classification"). */
void bert_config_set_num_labels(bert_config *c, int n);

/* Names the labels: names is comma-separated, one name per label id
 * ("not_equivalent,equivalent"), as tok's label_names. Sets id2label (and
 * so label2id at save) and returns 1 when there are exactly num_labels
 * distinct non-empty names; returns 0 and changes nothing otherwise. */
int bert_config_set_label_names(bert_config *c, const char *names);

/* Writes the config to path atomically: the kept JSON with every known field
 * updated, architectures ["BertForSequenceClassification"], model_type
 * "bert", id2label/label2id, problem_type. Dies on a write error. */
void bert_config_save(const bert_config *c, const char *path);

/* Frees id2label and the kept JSON; c may be reused after a new load. */
void bert_config_free(bert_config *c);

#endif
