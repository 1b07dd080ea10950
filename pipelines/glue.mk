# pipelines/glue.mk: the course recipe for one GLUE task, one file per stage,
# so `make` reruns only what changed and every stream stays on disk for
# msgpack2json. Usage (from the repository root):
#
#   make -f pipelines/glue.mk TASK=sst2            # tokenize, collate, train, predict, score
#   make -f pipelines/glue.mk TASK=stsb EPOCHS=1 MODEL=/path/to/bert-base-uncased
#   msgpack2json --pretty < out/mrpc/train.batches.mpk | head -40
#
# Variables: TASK (cola sst2 mrpc stsb rte wnli qnli), MODEL (any Hugging Face
# BERT folder; default: the small pretrained MiniLM that scripts/fetch-model.sh
# brings), GLUE_DIR (default ../shared/data/glue), OUT (default out/TASK),
# EPOCHS, BATCH, LR, SEED, MAX_STEPS, TRAIN_FLAGS (passed to train as is).

TASK     ?= mrpc
SHARED   ?= $(abspath ../shared)
GLUE_DIR ?= $(SHARED)/data/glue
MODEL    ?= models/all-MiniLM-L6-v2
OUT      ?= out/$(TASK)
BIN      ?= bin
EPOCHS   ?= 3
BATCH    ?= 8
LR       ?= 5e-5
SEED     ?= 42
MAX_STEPS ?=
TRAIN_FLAGS ?=

# task -> GLUE folder, number of labels
dir_cola := CoLA
dir_sst2 := SST-2
dir_mrpc := MRPC
dir_stsb := STS-B
dir_rte  := RTE
dir_wnli := WNLI
dir_qnli := QNLI
labels_stsb := 1
TASK_DIR   := $(dir_$(TASK))
NUM_LABELS := $(or $(labels_$(TASK)),2)
ifeq ($(TASK_DIR),)
$(error TASK=$(TASK): expected one of cola sst2 mrpc stsb rte wnli qnli)
endif

export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: all metrics clean
.DELETE_ON_ERROR:
all: $(OUT)/metrics.json $(OUT)/curve.png
metrics: $(OUT)/metrics.json

$(OUT)/%.tok.mpk: $(GLUE_DIR)/$(TASK_DIR)/%.tsv $(BIN)/tok
	@mkdir -p $(OUT)
	tok --model $(MODEL) --task $(TASK) -o $@ < $<

$(OUT)/%.batches.mpk: $(OUT)/%.tok.mpk $(BIN)/collate
	collate --batch-size $(BATCH) -o $@ < $<

$(OUT)/model/model.safetensors: $(OUT)/train.batches.mpk $(OUT)/dev.batches.mpk $(BIN)/train
	train --model $(MODEL) --output-dir $(OUT)/model --num-labels $(NUM_LABELS) \
	  --epochs $(EPOCHS) --lr $(LR) --seed $(SEED) $(if $(MAX_STEPS),--max-steps $(MAX_STEPS)) \
	  --eval $(OUT)/dev.batches.mpk --eval-strategy epoch --metric 'glue-metric $(TASK)' \
	  $(TRAIN_FLAGS) $(OUT)/train.batches.mpk

$(OUT)/dev.predictions.mpk: $(OUT)/dev.batches.mpk $(OUT)/model/model.safetensors $(BIN)/predict
	predict --model $(OUT)/model -o $@ < $<

$(OUT)/metrics.json: $(OUT)/dev.predictions.mpk $(BIN)/glue-metric
	glue-metric $(TASK) -o $@ < $<
	@cat $@

# The training curve: loss and eval metrics per step, from the log train writes.
$(OUT)/curve.png: $(OUT)/model/model.safetensors pipelines/curve.gp
	gnuplot -e "logfile='$(OUT)/model/log.tsv'; outfile='$@'; title='$(TASK)'" pipelines/curve.gp
	@echo "training curve: $@"

clean:
	rm -rf $(OUT)
