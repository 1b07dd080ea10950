# pipelines/glue.mk: the course recipe for one GLUE task, one file per stage,
# so that make reruns exactly what a change affects and every stream stays on
# disk for msgpack2json. Runs from any directory; what it makes goes to OUT
# (default out/TASK, below the current directory).
#
#   make -f pipelines/glue.mk                       # MRPC: tokenize, collate, train, predict, score, plot
#   make -f pipelines/glue.mk LR=2e-5               # retrains (and rescores) with the new rate only
#   make -f pipelines/glue.mk TASK=stsb EPOCHS=1 MODEL=/path/to/bert-base-uncased
#   make -f pipelines/glue.mk sweep SEEDS="42 43 44" LRS="2e-5 5e-5" -j2
#   msgpack2json --pretty < out/mrpc/dev.batches.mpk | head -40
#
# Variables: TASK (cola sst2 mrpc stsb rte wnli qnli), MODEL (a Hugging Face
# BERT folder; default: the small pretrained MiniLM that scripts/fetch-model.sh
# brings, fetched when missing), GLUE_DIR (default SHARED/data/glue when it
# exists, else data/glue in the checkout, where MRPC is fetched from the
# official GLUE sources when missing), OUT, EPOCHS, BATCH, LR, SEED,
# PRECISION (train and predict --precision), LOGGING_STEPS, MAX_STEPS,
# TOK_FLAGS, COLLATE_FLAGS, TRAIN_FLAGS (passed as they are), BIN (the tools).
#
# What reruns: each stage's settings are kept in a file beside its output
# (OUT/tok.settings, OUT/collate.settings, RUN/train.settings), rewritten
# only when they change; a stage reruns when its input or its settings file
# is newer than its output. Rebuilding the tools reruns nothing (make clean,
# or make -B, after a change to the code you want to see in the results).
#
# Sweeps: `sweep` trains one run per LR in LRS and SEED in SEEDS, each in
# its own folder SWEEP/lr<LR>-seed<SEED>/ (model/, train.settings,
# metrics.json, curve.png), sharing the tokenized and collated streams, then
# writes SWEEP/summary.tsv (mean and sample standard deviation of each
# metric per learning rate over the seeds), prints it, and plots it to
# SWEEP/summary.png. SWEEP defaults to OUT/sweep.

ROOT     := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
TASK     ?= mrpc
SHARED   ?= $(abspath $(ROOT)/../shared)
GLUE_DIR ?= $(if $(wildcard $(SHARED)/data/glue/.),$(SHARED)/data/glue,$(ROOT)/data/glue)
DEMO_MODEL := $(ROOT)/models/all-MiniLM-L6-v2
MODEL    ?= $(DEMO_MODEL)
OUT      ?= out/$(TASK)
BIN      ?= $(ROOT)/bin
EPOCHS   ?= 3
BATCH    ?= 8
LR       ?= 5e-5
SEED     ?= 42
PRECISION ?= fp32
LOGGING_STEPS ?= 50
MAX_STEPS ?=
TOK_FLAGS ?=
COLLATE_FLAGS ?=
TRAIN_FLAGS ?=
SEEDS    ?= 42 43 44
LRS      ?= $(LR)
SWEEP    ?= $(OUT)/sweep

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

export PATH := $(BIN):$(PATH)

.PHONY: all metrics sweep clean FORCE
FORCE:
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Every stream stays on disk, including those only used on the way.
.SECONDARY:
all: $(OUT)/metrics.json $(OUT)/curve.png
metrics: $(OUT)/metrics.json

# $(call q,TEXT): TEXT as one single-quoted shell word.
q = '$(subst ','\'',$1)'
# $(call kv,KEY,VALUE): the line KEY=VALUE as one shell word.
kv = $(call q,$1=$(strip $2))
# $(call settings,FILE,WORDS): FILE holds the words (from kv), one a line,
# and is rewritten only when they differ from what it holds, so that what
# depends on FILE reruns exactly when a setting changed.
settings = @mkdir -p $(dir $1) && printf '%s\n' $2 > $1.tmp && \
  if cmp -s $1.tmp $1; then rm -f $1.tmp; else mv -f $1.tmp $1; fi

# The tools must exist; building them again reruns nothing (order-only).
TOOLS := $(addprefix $(BIN)/,tok collate train predict glue-metric)
ifeq ($(BIN),$(ROOT)/bin)
$(TOOLS) &:
	$(MAKE) -C $(ROOT) all
endif
# The default model and MRPC are fetched when missing.
$(DEMO_MODEL)/config.json:
	$(ROOT)/scripts/fetch-model.sh $(DEMO_MODEL)
MODEL_READY := $(if $(filter $(DEMO_MODEL),$(abspath $(MODEL))),$(DEMO_MODEL)/config.json)
$(GLUE_DIR)/MRPC/train.tsv $(GLUE_DIR)/MRPC/dev.tsv &:
	$(ROOT)/scripts/fetch-mrpc.sh $(GLUE_DIR)

$(OUT)/tok.settings: FORCE
	$(call settings,$@,$(call kv,model,$(MODEL)) $(call kv,task,$(TASK)) \
	  $(call kv,glue_dir,$(GLUE_DIR)) $(call kv,tok_flags,$(TOK_FLAGS)))
$(OUT)/collate.settings: FORCE
	$(call settings,$@,$(call kv,batch,$(BATCH)) $(call kv,collate_flags,$(COLLATE_FLAGS)))

$(OUT)/%.tok.mpk: $(GLUE_DIR)/$(TASK_DIR)/%.tsv $(OUT)/tok.settings | $(BIN)/tok $(MODEL_READY)
	tok --model $(MODEL) --task $(TASK) $(TOK_FLAGS) -o $@ < $<

$(OUT)/%.batches.mpk: $(OUT)/%.tok.mpk $(OUT)/collate.settings | $(BIN)/collate
	collate --batch-size $(BATCH) $(COLLATE_FLAGS) -o $@ < $<

# $(call run,DIR,LR,SEED): the rules of one training run into DIR: its
# settings, model, dev predictions, metrics and training curve.
define run
$1/train.settings: FORCE
	$$(call settings,$$@,$$(call kv,model,$$(MODEL)) $$(call kv,task,$$(TASK)) \
	  $$(call kv,num_labels,$$(NUM_LABELS)) $$(call kv,epochs,$$(EPOCHS)) \
	  $$(call kv,batch,$$(BATCH)) $$(call kv,lr,$2) $$(call kv,seed,$3) \
	  $$(call kv,precision,$$(PRECISION)) $$(call kv,max_steps,$$(MAX_STEPS)) \
	  $$(call kv,logging_steps,$$(LOGGING_STEPS)) $$(call kv,train_flags,$$(TRAIN_FLAGS)))

$1/model/model.safetensors: $(OUT)/train.batches.mpk $(OUT)/dev.batches.mpk $1/train.settings | $(BIN)/train $(BIN)/glue-metric $$(MODEL_READY)
	train --model $$(MODEL) --output-dir $1/model --num-labels $$(NUM_LABELS) \
	  --epochs $$(EPOCHS) --lr $2 --seed $3 --precision $$(PRECISION) \
	  --logging-steps $$(LOGGING_STEPS) $$(if $$(MAX_STEPS),--max-steps $$(MAX_STEPS)) \
	  --eval $(OUT)/dev.batches.mpk --eval-strategy epoch --metric 'glue-metric $$(TASK)' \
	  $$(TRAIN_FLAGS) $(OUT)/train.batches.mpk

$1/dev.predictions.mpk: $(OUT)/dev.batches.mpk $1/model/model.safetensors | $(BIN)/predict
	predict --model $1/model --precision $$(PRECISION) -o $$@ < $$<

$1/metrics.json: $1/dev.predictions.mpk | $(BIN)/glue-metric
	glue-metric $$(TASK) -o $$@ < $$<
	@echo "$1: $$$$(cat $$@)"

# The training curve: loss and eval metrics per step, from the log train writes.
$1/curve.png: $1/model/model.safetensors $(ROOT)/pipelines/curve.gp
	gnuplot -e "logfile='$1/model/log.tsv'; outfile='$$@'; title='$$(TASK) lr $2 seed $3'" $(ROOT)/pipelines/curve.gp
	@echo "training curve: $$@"
endef

$(eval $(call run,$(OUT),$(LR),$(SEED)))

RUNS := $(foreach l,$(LRS),$(foreach s,$(SEEDS),$(SWEEP)/lr$l-seed$s))
$(foreach l,$(LRS),$(foreach s,$(SEEDS),$(eval $(call run,$(SWEEP)/lr$l-seed$s,$l,$s))))

sweep: $(SWEEP)/summary.tsv $(SWEEP)/summary.png
	@cat $(SWEEP)/summary.tsv
	@echo "sweep: $(words $(RUNS)) runs in $(SWEEP)/; plot: $(SWEEP)/summary.png"

# Only this sweep's runs are summarised (the folder may hold others).
$(SWEEP)/summary.tsv: $(addsuffix /metrics.json,$(RUNS)) $(ROOT)/pipelines/sweep-summary.sh
	$(ROOT)/pipelines/sweep-summary.sh $(RUNS) > $@.tmp && mv $@.tmp $@

$(SWEEP)/summary.png: $(SWEEP)/summary.tsv $(ROOT)/pipelines/sweep.gp
	gnuplot -e "infile='$<'; outfile='$@'; title='$(TASK): mean and std over seeds $(SEEDS)'" $(ROOT)/pipelines/sweep.gp

clean:
	rm -rf $(OUT)
