/* bert: BertForSequenceClassification, forward and backward, on a backend
 * (lib/backend/backend.h; the CPU one by default).
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
#include "backend/backend.h"

typedef struct bert_model bert_model;

typedef struct {
	char name[128];   /* Hugging Face name WITH the prefix, e.g. "bert.embeddings.word_embeddings.weight",
	                     "bert.encoder.layer.0.attention.self.query.weight", "bert.pooler.dense.bias", "classifier.weight" */
	float *data;      /* into the model's single parameter buffer: backend memory (device memory on
	                     a device backend: read/write it with bert_param_get/bert_param_set) */
	float *grad;      /* into the single gradient buffer, same layout, same memory */
	uint16_t *data16; /* data rounded to bf16, for the matrix products (bert_set_precision), or
	                     NULL: kept for the nn.Linear weights in bf16, in the backend's memory */
	int ndim;         /* 1 or 2 */
	int64_t shape[2]; /* torch shape: nn.Linear weight is [out_features, in_features] */
	size_t numel;
	int no_decay;     /* biases and LayerNorm weights: no weight decay (Trainer's groups) */
	bert_model *model; /* the model owning data/grad */
} bert_param;

/* A model with every parameter zeroed, on the CPU backend; copies the
 * scalar fields of cfg (not id2label/json). Dies on a config it cannot hold
 * (hidden not divisible by heads, sizes < 1). */
bert_model *bert_create(const bert_config *cfg);
/* The same on backend be (lib/backend/backend.h; e.g. from pt_device_select, lib/
 * device.h): parameters, gradients, activations and the batch inputs live in
 * be's memory, allocated through be->alloc (be NULL: the CPU backend). */
bert_model *bert_create_on(const bert_config *cfg, const struct pt_backend *be);
void bert_free(bert_model *m);
size_t bert_param_count(const bert_model *m);           /* number of tensors */
bert_param *bert_param_at(bert_model *m, size_t i);     /* i < bert_param_count */
bert_param *bert_param_find(bert_model *m, const char *name);   /* NULL if absent */
/* The flat parameter / gradient buffers, n floats each, in the backend's
 * memory: host memory on the CPU backend, DEVICE memory on CUDA (pass them
 * to the backend's ops only; copy with be->to_host/to_device). */
float *bert_params(bert_model *m, size_t *n);
float *bert_grads(bert_model *m, size_t *n);
/* The precision of the model's matrix products, as given to
 * pt_device_set_precision (lib/backend/device.h) for its backend. In
 * PT_BF16 on a backend whose products read bf16 weights (bf16_weights,
 * lib/backend/backend.h) the model keeps a bf16 copy of every nn.Linear
 * weight (bert_param.data16), made from the weights before the next
 * forward pass and then kept current by adamw_step in the same pass as the
 * update; other precisions free it. */
void bert_set_precision(bert_model *m, pt_precision p);
/* The parameters were written other than through bert_param_set,
 * bert_init_param or adamw_step (straight into bert_params() or p->data):
 * the bf16 copies are remade before the next forward pass. */
void bert_params_changed(bert_model *m);
/* grads *= s, through the backend (the data-parallel share of a rank). */
void bert_grads_scale(bert_model *m, float s);
/* Backward passes from now on start from the loss gradient times s (fp16
 * loss scaling: every gradient comes out scaled by s). 1 by default. */
void bert_set_loss_scale(bert_model *m, float s);
const struct pt_backend *bert_get_backend(const bert_model *m);   /* the ops the model runs on (lib/backend/backend.h) */

/* Host copies of one parameter's values: host [p->numel] floats, copied
 * with the backend's to_host/to_device. p must be one of m's parameters
 * (dies otherwise).
 * bert_param_get is for tests (tests/unit/test_device.c); the library reads host copies through pt_host_view. */
void bert_param_get(bert_model *m, const bert_param *p, float *host);
void bert_param_set(bert_model *m, const bert_param *p, const float *host);

/* HF _init_weights for that tensor: Linear/Embedding weight
 * normal(0, initializer_range) (the padding_idx row of the word embeddings
 * zeroed, as HF does), bias 0, LayerNorm weight 1 bias 0. The normals come
 * from the counter-based generator (lib/rng.h) keyed by (seed, tensor
 * index), so the same seed gives the same weights on every backend: the
 * values are drawn on the host (CPU backend) and copied into p's model with
 * bert_param_set. */
void bert_init_param(bert_param *p, const bert_config *c, uint64_t seed);

typedef struct {
	int B, T;                        /* rows, padded length */
	const int32_t *input_ids;        /* [B, T] */
	const int32_t *token_type_ids;   /* [B, T] (NULL: all 0) */
	const int32_t *attention_mask;   /* [B, T] (NULL: all 1) */
	const int32_t *labels;           /* [B] class ids, or NULL */
	const float *float_labels;       /* [B] regression targets (num_labels == 1), or NULL */
} bert_batch;

/* Forward pass; uploads the batch (host memory) into the model's backend
 * buffers; writes logits [B, num_labels] (host memory; NULL: not copied
 * out); returns the mean loss when
 * labels are given (cross-entropy, or MSE when num_labels == 1), else NAN.
 * training != 0 turns dropout on, with masks drawn from a counter-based
 * generator keyed by dropout_seed (so a CUDA backend can reproduce the same
 * masks). A training pass keeps the activations for bert_backward; an
 * evaluation pass keeps one layer's worth (backward refuses it). Dies on an id out of
 * range, T > max_position_embeddings, or a label out of range. */
float bert_forward(bert_model *m, const bert_batch *b, int training, uint64_t dropout_seed, float *logits);

/* Sets every gradient to 0. */
void bert_zero_grad(bert_model *m);

/* d(mean loss)/d(params), ADDED into the grad buffer; needs the last
 * bert_forward to be a training pass with labels (dies otherwise).
 * Overwrites the activations. */
void bert_backward(bert_model *m);

#endif
