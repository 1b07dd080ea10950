/* train: fine-tune a BERT checkpoint on collated batches (Trainer.train()). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/device.h"
#include "dist.h"
#include "options.h"
#include "model_path.h"
#include "runtime_env.h"
#include "trainer.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [--model M] [--output-dir DIR] [OPTION]... [BATCHES]\n"
	       "Fine-tune a BERT checkpoint for sequence classification, as the HF Trainer does.\n"
	       "\n"
	       "Fine-tune a BERT checkpoint for sequence classification on collated batches\n"
	       "(from collate) read from BATCHES or standard input, with the Hugging Face\n"
	       "Trainer's semantics and defaults. The TrainingArguments spellings are accepted\n"
	       "too (shown after the short ones); the batch size is collate's --batch-size.\n"
	       "\n"
	       "Options:\n"
	       "  -m, --model M              pretrained model folder (config.json, model.safetensors),\n"
	       "                             or a folder name in $PIPETUNE_MODELS or ./models\n"
	       "                             (default: $PIPETUNE_MODEL, else " MODEL_PATH_DEFAULT ",\n"
	       "                             the demo's model; --model-name-or-path)\n"
	       "  -O, --output-dir DIR       where the final model and checkpoint-N/ folders go\n"
	       "                             (default trainer_output, as the Trainer's)\n"
	       "      --num-labels N         classes (1 = regression, MSE loss); default: the config's\n"
	       "      --label-names A,B,..   names of labels 0, 1, ... for config.json's id2label and\n"
	       "                             label2id (default: the stream's, from tok)\n"
	       "      --set KEY=VALUE        override a config.json field (e.g. hidden_dropout_prob=0)\n"
	       "      --epochs N             training epochs (3; fractions allowed; (0, 1e6];\n"
	       "                             --num-train-epochs)\n"
	       "      --max-steps N          stop after N optimizer steps (overrides --epochs;\n"
	       "                             at most 2^53)\n"
	       "      --lr X                 peak learning rate (5e-5; (0, 1]; --learning-rate)\n"
	       "      --weight-decay X       AdamW decoupled weight decay (0; [0, 1])\n"
	       "      --warmup-steps N       linear warm-up steps (0)\n"
	       "      --warmup-ratio X       warm-up as a fraction of all steps (0; [0, 1])\n"
	       "      --max-grad-norm X      clip the global gradient norm (1.0; 0 = off; finite)\n"
	       "      --seed N               batch order, dropout and new-head init (42)\n"
	       "      --no-shuffle           visit the batches in input order every epoch\n"
	       "      --logging-steps N      log the mean loss every N steps (500)\n"
	       "      --save-steps N         write checkpoint-N/ every N steps (500; 0 = never)\n"
	       "      --save-total-limit N   keep only the N newest checkpoints (0 = all)\n"
	       "      --resume-from-checkpoint DIR   continue from a checkpoint-N folder ('last':\n"
	       "                             the newest one in the output dir)\n"
	       "      --from-scratch         initialize every weight from the model's config.json\n"
	       "                             (no checkpoint needed; BertForSequenceClassification(config))\n"
	       "      --eval FILE            collated batches to evaluate on\n"
	       "      --eval-strategy S      epoch, steps or no (epoch when --eval is given;\n"
	       "                             --evaluation-strategy)\n"
	       "      --eval-steps N         with --eval-strategy steps (default: --logging-steps)\n"
	       "      --metric CMD           command reading prediction records, printing metrics\n"
	       "                             JSON (e.g. 'glue-metric mrpc')\n"
	       "      --device D             cpu (default), cuda, or auto (cuda when this build has\n"
	       "                             it and a GPU is visible, else cpu)\n"
	       "      --precision P          matrix products: fp32 (default, the Trainer's too),\n"
	       "                             bf16 (the Trainer's bf16=True: products round their\n"
	       "                             inputs to bf16 and accumulate in fp32; weights,\n"
	       "                             gradients, optimizer state, LayerNorm, softmax and\n"
	       "                             the loss stay fp32; on the CPU it needs AVX512-BF16\n"
	       "                             or AMX), and on the GPU also tf32, or fp16 (with\n"
	       "                             dynamic loss scaling as the Trainer's fp16=True)\n"
	       "      --allreduce A          how MPI ranks sum gradients: auto (default: NCCL\n"
	       "                             between GPU ranks when built with it, else\n"
	       "                             MPI_Allreduce), mpi, or nccl (also on 1 rank)\n"
	       "      --progress / --no-progress   progress bar on stderr (default: if a terminal)\n"
	       "  -h, --help                 this help\n"
	       "\n"
	       "Logs are JSON Lines on stderr ({\"loss\":..,\"learning_rate\":..,\"epoch\":..,\"step\":..})\n"
	       "and go to OUTPUT/trainer_state.json (log_history) and OUTPUT/log.tsv.\n"
	       "Each epoch visits the batches in a fresh order drawn from (seed, epoch); the\n"
	       "examples inside a batch are fixed by collate (use collate --shuffle --seed to\n"
	       "shuffle examples before batching, as the Trainer's RandomSampler does).\n"
	       "SIGTERM or SIGINT: train finishes the optimizer step under way, writes\n"
	       "OUTPUT/checkpoint-N, says so and exits 128 + the signal (143, 130); resume\n"
	       "with --resume-from-checkpoint last. A second signal exits at once.\n"
	       "Runs are deterministic: the same seed, data, device, precision, thread count\n"
	       "and number of ranks give bit-identical weights, on the CPU and on CUDA alike\n"
	       "(no op sums in a varying order, so there is no --deterministic switch).\n"
	       "\n"
	       "Data parallel: `mpirun -np N train ... FILE` splits every batch across N\n"
	       "ranks (rows [B*r/N, B*(r+1)/N) on rank r) and averages the gradients with\n"
	       "MPI_Allreduce before clipping and AdamW, so every rank holds the same\n"
	       "weights; rank 0 alone logs, evaluates and writes checkpoints. GPU ranks:\n"
	       "one GPU each (the node-local rank's), gradients summed with NCCL.\n"
	       "\n"
	       "Limits: as predict's (predict --help): records of at most 1 GiB, batches of\n"
	       "at most 2^31-1 tokens, config.json sizes at most 2^30 each, a checkpoint\n"
	       "that fits the config; every numeric option finite and in the range above.\n"
	       "\n"
	       "Examples:\n"
	       "  $ tok < train.tsv | collate | train --epochs 3\n"
	       "  $ tok --model M --task mrpc < train.tsv | collate > train.mpk\n"
	       "  $ tok --model M --task mrpc < dev.tsv | collate > dev.mpk\n"
	       "  $ train --model M --num-labels 2 --output-dir run --eval dev.mpk --metric 'glue-metric mrpc' train.mpk\n"
	       "  $ predict --model run < dev.mpk | glue-metric mrpc\n", pt_progname);
}

enum {
	OPT_NUM_LABELS = 256, OPT_SET, OPT_EPOCHS, OPT_MAX_STEPS, OPT_LR, OPT_WD, OPT_WARMUP_STEPS,
	OPT_WARMUP_RATIO, OPT_MAX_GRAD_NORM, OPT_SEED, OPT_NO_SHUFFLE, OPT_LOGGING_STEPS,
	OPT_SAVE_STEPS, OPT_SAVE_LIMIT, OPT_RESUME, OPT_EVAL, OPT_EVAL_STRATEGY, OPT_EVAL_STEPS,
	OPT_METRIC, OPT_DEVICE, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_FROM_SCRATCH, OPT_ALLREDUCE,
	OPT_PRECISION, OPT_LABEL_NAMES,
};


int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	pt_runtime_env(argv);
	dist_init(&argc, &argv);
	static const struct option longopts[] = {
		{"model", required_argument, 0, 'm'},
		{"output-dir", required_argument, 0, 'O'},
		{"num-labels", required_argument, 0, OPT_NUM_LABELS},
		{"label-names", required_argument, 0, OPT_LABEL_NAMES},
		{"set", required_argument, 0, OPT_SET},
		{"epochs", required_argument, 0, OPT_EPOCHS},
		{"num-train-epochs", required_argument, 0, OPT_EPOCHS},
		{"model-name-or-path", required_argument, 0, 'm'},
		{"max-steps", required_argument, 0, OPT_MAX_STEPS},
		{"lr", required_argument, 0, OPT_LR},
		{"learning-rate", required_argument, 0, OPT_LR},
		{"weight-decay", required_argument, 0, OPT_WD},
		{"warmup-steps", required_argument, 0, OPT_WARMUP_STEPS},
		{"warmup-ratio", required_argument, 0, OPT_WARMUP_RATIO},
		{"max-grad-norm", required_argument, 0, OPT_MAX_GRAD_NORM},
		{"seed", required_argument, 0, OPT_SEED},
		{"no-shuffle", no_argument, 0, OPT_NO_SHUFFLE},
		{"logging-steps", required_argument, 0, OPT_LOGGING_STEPS},
		{"save-steps", required_argument, 0, OPT_SAVE_STEPS},
		{"save-total-limit", required_argument, 0, OPT_SAVE_LIMIT},
		{"resume-from-checkpoint", required_argument, 0, OPT_RESUME},
		{"eval", required_argument, 0, OPT_EVAL},
		{"eval-strategy", required_argument, 0, OPT_EVAL_STRATEGY},
		{"evaluation-strategy", required_argument, 0, OPT_EVAL_STRATEGY},
		{"eval-steps", required_argument, 0, OPT_EVAL_STEPS},
		{"metric", required_argument, 0, OPT_METRIC},
		{"device", required_argument, 0, OPT_DEVICE},
		{"allreduce", required_argument, 0, OPT_ALLREDUCE},
		{"precision", required_argument, 0, OPT_PRECISION},
		{"progress", no_argument, 0, OPT_PROGRESS},
		{"no-progress", no_argument, 0, OPT_NO_PROGRESS},
		{"from-scratch", no_argument, 0, OPT_FROM_SCRATCH},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	train_opts o;
	train_opts_default(&o);
	const char *sets[64];
	int strategy_given = 0, c;
	o.progress = isatty(2);
	while ((c = getopt_long(argc, argv, "m:O:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.model_dir = optarg; break;
		case 'O': o.output_dir = optarg; break;
		case OPT_NUM_LABELS: o.num_labels = (int)pt_opt_int("--num-labels", optarg, 1, 1 << 20); break;
		case OPT_LABEL_NAMES: o.label_names = optarg; break;
		case OPT_SET:
			if (o.nsets == 64)
				pt_usage_error("too many --set options (64 at most)");
			sets[o.nsets++] = optarg;
			break;
		case OPT_EPOCHS: o.epochs = pt_opt_num("--epochs", optarg, 0, 1, TRAIN_MAX_EPOCHS); break;
		case OPT_MAX_STEPS: o.max_steps = pt_opt_int("--max-steps", optarg, 1, TRAIN_MAX_STEPS); break;
		case OPT_LR: o.lr = pt_opt_num("--lr", optarg, 0, 1, 1); break;
		case OPT_WD: o.weight_decay = pt_opt_num("--weight-decay", optarg, 0, 0, 1); break;
		case OPT_WARMUP_STEPS:
			o.warmup_steps = pt_opt_int("--warmup-steps", optarg, 0, TRAIN_MAX_STEPS);
			break;
		case OPT_WARMUP_RATIO: o.warmup_ratio = pt_opt_num("--warmup-ratio", optarg, 0, 0, 1); break;
		case OPT_MAX_GRAD_NORM:
			o.max_grad_norm = pt_opt_num("--max-grad-norm", optarg, 0, 0, INFINITY);
			break;
		case OPT_SEED: o.seed = (uint64_t)pt_opt_int("--seed", optarg, 0, INT64_MAX); break;
		case OPT_NO_SHUFFLE: o.shuffle = 0; break;
		case OPT_LOGGING_STEPS:
			o.logging_steps = pt_opt_int("--logging-steps", optarg, 1, INT64_MAX);
			break;
		case OPT_SAVE_STEPS: o.save_steps = pt_opt_int("--save-steps", optarg, 0, INT64_MAX); break;
		case OPT_SAVE_LIMIT:
			o.save_total_limit = (int)pt_opt_int("--save-total-limit", optarg, 0, INT32_MAX);
			break;
		case OPT_RESUME: o.resume_dir = optarg; break;
		case OPT_EVAL: o.eval_path = optarg; break;
		case OPT_EVAL_STRATEGY:
			strategy_given = 1;
			o.eval_strategy = train_eval_strategy_parse(optarg);
			break;
		case OPT_EVAL_STEPS: o.eval_steps = pt_opt_int("--eval-steps", optarg, 1, INT64_MAX); break;
		case OPT_METRIC: o.metric_cmd = optarg; break;
		case OPT_DEVICE: o.device = pt_device_parse(optarg); break;
		case OPT_ALLREDUCE: o.allreduce = grad_sync_parse(optarg); break;
		case OPT_PRECISION: o.precision = pt_precision_parse(optarg); break;
		case OPT_FROM_SCRATCH: o.from_scratch = 1; break;
		case OPT_PROGRESS: o.progress = 1; break;
		case OPT_NO_PROGRESS: o.progress = 0; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (optind < argc)
		o.train_path = argv[optind++];
	if (optind < argc)
		pt_usage_error("one input file at most, got '%s' too", argv[optind]);
	if (!o.output_dir)
		o.output_dir = "trainer_output";
	if (o.from_scratch && o.resume_dir)
		pt_usage_error("--from-scratch and --resume-from-checkpoint exclude each other");
	if (o.eval_path && !strategy_given)
		o.eval_strategy = EVAL_EPOCH;
	if (o.eval_strategy != EVAL_NO && !o.eval_path)
		pt_usage_error("--eval-strategy %s needs --eval FILE",
			       o.eval_strategy == EVAL_EPOCH ? "epoch" : "steps");
	if (o.metric_cmd && !o.eval_path)
		pt_usage_error("--metric needs --eval FILE");
	if (!o.eval_steps)
		o.eval_steps = o.logging_steps;
	if (dist_size() > 1 && (!o.train_path || strcmp(o.train_path, "-") == 0))
		pt_usage_error("with %d MPI ranks the batches must be a file (every rank reads it), "
			       "not standard input", dist_size());
	o.sets = sets;
	if (dist_rank() != 0)
		o.progress = 0;
	char *model_dir = model_path_resolve(o.model_dir);
	o.model_dir = model_dir;
	train_run(&o);
	free(model_dir);
	dist_finalize();
	return 0;
}
