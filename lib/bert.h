/* bert: BertForSequenceClassification, forward and backward, on a backend
 * (lib/backend.h; the CPU one by default).
 *
 * All parameters live in one float buffer, in the order of Hugging Face's
 * named_parameters() for BertForSequenceClassification; the gradients in a
 * second buffer with the same layout; the activations in a third one sized
 * for the largest batch seen. */
#ifndef PT_BERT_H
#define PT_BERT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

typedef struct {
	char name[128];   /* Hugging Face name WITH the prefix, e.g. "bert.embeddings.word_embeddings.weight",
	                     "bert.encoder.layer.0.attention.self.query.weight", "bert.pooler.dense.bias", "classifier.weight" */
	float *data;      /* into the model's single parameter buffer */
	float *grad;      /* into the single gradient buffer, same layout */
	int ndim;         /* 1 or 2 */
	int64_t shape[2]; /* torch shape: nn.Linear weight is [out_features, in_features] */
	size_t numel;
	int no_decay;     /* biases and LayerNorm weights: no weight decay (Trainer's groups) */
} bert_param;

typedef struct bert_model bert_model;

/* A model with every parameter zeroed; copies the scalar fields of cfg (not
 * id2label/json). Dies on a config it cannot hold (hidden not divisible by
 * heads, sizes < 1). */
bert_model *bert_create(const bert_config *cfg);
void bert_free(bert_model *m);
size_t bert_param_count(const bert_model *m);           /* number of tensors */
bert_param *bert_param_at(bert_model *m, size_t i);     /* i < bert_param_count */
bert_param *bert_param_find(bert_model *m, const char *name);   /* NULL if absent */
float *bert_params(bert_model *m, size_t *n);           /* the whole flat parameter buffer, n floats */
float *bert_grads(bert_model *m, size_t *n);            /* the flat gradient buffer, n floats */
const bert_config *bert_get_config(const bert_model *m);   /* the model's copy (no id2label/json) */
struct pt_backend;
const struct pt_backend *bert_get_backend(const bert_model *m);   /* the ops the model runs on (lib/backend.h) */

/* HF _init_weights for that tensor: Linear/Embedding weight
 * normal(0, initializer_range) (the padding_idx row of the word embeddings
 * zeroed, as HF does), bias 0, LayerNorm weight 1 bias 0. The normals come
 * from the counter-based generator (lib/rng.h) keyed by (seed, tensor
 * index), so the same seed gives the same weights on every backend. */
void bert_init_param(bert_param *p, const bert_config *c, uint64_t seed);

typedef struct {
	int B, T;                        /* rows, padded length */
	const int32_t *input_ids;        /* [B, T] */
	const int32_t *token_type_ids;   /* [B, T] (NULL: all 0) */
	const int32_t *attention_mask;   /* [B, T] (NULL: all 1) */
	const int32_t *labels;           /* [B] class ids, or NULL */
	const float *float_labels;       /* [B] regression targets (num_labels == 1), or NULL */
} bert_batch;

/* Forward pass; writes logits [B, num_labels]; returns the mean loss when
 * labels are given (cross-entropy, or MSE when num_labels == 1), else NAN.
 * training != 0 turns dropout on, with masks drawn from a counter-based
 * generator keyed by dropout_seed (so a CUDA backend can reproduce the same
 * masks). Keeps the activations for bert_backward. Dies on an id out of
 * range, T > max_position_embeddings, or a label out of range. */
float bert_forward(bert_model *m, const bert_batch *b, int training, uint64_t dropout_seed, float *logits);

/* Sets every gradient to 0. */
void bert_zero_grad(bert_model *m);

/* d(mean loss)/d(params), ADDED into the grad buffer; needs the last
 * bert_forward with labels (dies otherwise). Overwrites the activations. */
void bert_backward(bert_model *m);

#endif
