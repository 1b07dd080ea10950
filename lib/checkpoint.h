/* checkpoint: Hugging Face model folders <-> a bert_model.
 *
 * A model folder holds config.json, model.safetensors (or
 * model.safetensors.index.json + shards) and the tokenizer files. Loading
 * maps checkpoint tensors onto the model by Hugging Face name; saving
 * writes a folder that tok, predict and transformers' from_pretrained all
 * read. Saving is atomic for the whole folder: everything is written into
 * a hidden temporary folder beside the target, fsynced, then renamed into
 * place, so a killed run never leaves a torn checkpoint. */
#ifndef PT_CHECKPOINT_H
#define PT_CHECKPOINT_H

#include <stdint.h>

#include "bert.h"
#include "config.h"

/* Loads model_dir's weights into m (created from c). Names with or without
 * the "bert." prefix (a bare BertModel) are accepted, old LayerNorm names
 * gamma/beta too; buffers such as bert.embeddings.position_ids are ignored
 * silently, as transformers does. Prints on stderr, as transformers does,
 * the checkpoint weights that went unused and the model weights that were
 * newly initialized (bert_init_param with seed: e.g. a new classifier).
 * Dies with one line on a tensor whose shape does not fit the config
 * (naming it and both shapes), fewer encoder layers than the config's
 * num_hidden_layers, a non-float tensor, a folder with only
 * pytorch_model.bin (with the command that converts it), or any defect of
 * the safetensors file(s). */
void checkpoint_load(bert_model *m, const bert_config *c, const char *model_dir, uint64_t seed);

/* The checks of checkpoint_load that need no model: every tensor the
 * config's model has fits its shape, and the checkpoint holds the config's
 * num_hidden_layers encoder layers (or more). Reads the safetensors
 * headers only, so call it before bert_create: a config of 100000 layers
 * with a 2-layer checkpoint is refused, not allocated. Dies with one line
 * naming model_dir. Allocates nothing that outlives the call. */
void checkpoint_check(const bert_config *c, const char *model_dir);

/* 1 when model_dir's checkpoint holds a classification head
 * (classifier.weight), 0 when loading it would initialize a new one. Dies
 * like checkpoint_load on a missing or defective checkpoint. */
int checkpoint_has_head(const char *model_dir);

/* Writes out_dir as a model folder: model.safetensors (every parameter,
 * float32, Hugging Face names with the "bert." prefix), config.json
 * (bert_config_save) and, when src_model_dir is not NULL, copies of its
 * tokenizer files (vocab.txt, tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json; those present). Atomic as a folder (see
 * ckpt_dir_commit). Dies on any write error, leaving out_dir as it was.
 * For tests (the tools save through train_state.c, with checkpoint_write). */
void checkpoint_save(bert_model *m, const bert_config *c, const char *out_dir, const char *src_model_dir);

/* The files of checkpoint_save written into the existing folder dir, not
 * atomically as a set (each file is: temp + rename): for callers that add
 * files and commit the folder themselves (train's checkpoint-N/). */
void checkpoint_write(bert_model *m, const bert_config *c, const char *dir, const char *src_model_dir);

#endif
