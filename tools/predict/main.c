/* predict: Trainer.predict() + argmax as a stream filter (options and
 * wiring only; the logic is lib/predict.c, lib/batch.c, lib/checkpoint.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert.h"
#include "checkpoint.h"
#include "config.h"
#include "backend/device.h"
#include "dist.h"
#include "model_path.h"
#include "options.h"
#include "predict.h"
#include "record.h"
#include "runtime_env.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s --model DIR [OPTION]... [FILE]\n"
	       "Predict with a fine-tuned BERT classifier, as Trainer.predict() and argmax do.\n"
	       "\n"
	       "Run a fine-tuned BERT classifier over collated batches (FILE or standard\n"
	       "input, as collate writes them) and write one prediction record per\n"
	       "example, in input order, like Trainer.predict() followed by argmax.\n"
	       "\n"
	       "Options:\n"
	       "  -m, --model DIR      model folder: config.json + model.safetensors (or\n"
	       "                       model.safetensors.index.json + shards), e.g. the\n"
	       "                       --output-dir of train; or a folder name in\n"
	       "                       $PIPETUNE_MODELS or ./models\n"
	       "      --allow-new-head predict even with a model that has no trained classifier\n"
	       "                       (its head is then random: refused without this)\n"
	       "      --device D       cpu, cuda or auto (default auto: cuda when this build\n"
	       "                       has it and a GPU is visible, else cpu)\n"
	       "      --precision P    matrix products: fp32 (default) or bf16 (on the CPU with\n"
	       "                       AVX512-BF16 or AMX, and on the GPU); tf32 or fp16 on\n"
	       "                       the GPU (see train --help)\n"
	       "      --set KEY=VALUE  override a config.json value (e.g. num_labels=3)\n"
	       "      --seed N         seed for weights the checkpoint lacks (default 42;\n"
	       "                       they are reported on stderr)\n"
	       "  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
	       "  -h, --help           show this help\n"
	       "\n"
	       "In:  {\"idx\": [..], \"labels\": [..], \"input_ids\": [[..],..], \"token_type_ids\": [[..],..],\n"
	       "      \"attention_mask\": [[..],..]}   (labels, token_type_ids, attention_mask optional)\n"
	       "(batches whose tokenizer field differs from the model's tokenizer are refused)\n"
	       "Out: {\"idx\": 0, \"label\": 1, \"logits\": [-1.2, 2.3], \"prediction\": 1}\n"
	       "label only when the input has labels; a regression model (num_labels 1)\n"
	       "writes a float label and logits only. With labels, the mean loss goes to\n"
	       "stderr as {\"eval_loss\": X, \"eval_samples\": N}.\n"
	       "\n"
	       "Sharded across MPI ranks (`mpirun -np N %s --model run FILE`): batch k runs\n"
	       "on rank k %% N, rank 0 writes every record in input order; FILE is required\n"
	       "(launchers give stdin to rank 0 only).\n"
	       "\n"
	       "Limits: records of at most 1 GiB, batches of at most 2^31-1 tokens, rows\n"
	       "no longer than max_position_embeddings; config.json sizes at most 2^30 each\n"
	       "(num_labels 2^20) and a parameter count that fits memory; safetensors headers\n"
	       "of at most 100 MB. A checkpoint must fit the config: every tensor the model\n"
	       "has in the config's shape, num_hidden_layers encoder layers (checked before\n"
	       "any memory is allocated).\n"
	       "\n"
	       "Examples:\n"
	       "  $ tok --model M --task mrpc < dev.tsv | collate | %s --model run | glue-metric mrpc\n"
	       "  $ mpirun -np 4 %s --model run dev.mpk | glue-metric mrpc\n",
	       pt_progname, pt_progname, pt_progname, pt_progname);
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	pt_runtime_env(argv);
	dist_init(&argc, &argv);
	enum { DEVICE = 256, SET, SEED, PRECISION, NEW_HEAD };
	static const struct option opts[] = {
		{"model", required_argument, 0, 'm'},
		{"device", required_argument, 0, DEVICE},
		{"precision", required_argument, 0, PRECISION},
		{"set", required_argument, 0, SET},
		{"seed", required_argument, 0, SEED},
		{"allow-new-head", no_argument, 0, NEW_HEAD},
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *model = NULL, *out = NULL;
	pt_device device = PT_DEVICE_AUTO;
	const char **sets = pt_calloc((size_t)argc, sizeof *sets);
	int nsets = 0, c, allow_new_head = 0;
	int64_t seed = 42;
	pt_precision precision = PT_FP32;
	while ((c = getopt_long(argc, argv, "m:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case DEVICE: device = pt_device_parse(optarg); break;
		case PRECISION: precision = pt_precision_parse(optarg); break;
		case SET: sets[nsets++] = optarg; break;
		case SEED: seed = pt_opt_int("--seed", optarg, 0, INT64_MAX); break;
		case NEW_HEAD: allow_new_head = 1; break;
		case 'o': out = optarg; break;
		case 'h': usage(); free(sets); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (!model)
		pt_usage_error("--model DIR is required");
	if (argc - optind > 1)
		pt_usage_error("at most one input FILE");
	const char *in = optind < argc ? argv[optind] : "-";
	if (dist_size() > 1 && strcmp(in, "-") == 0)
		pt_usage_error("with %d MPI ranks the batches must be a file (every rank reads it), "
			       "not standard input", dist_size());
	int lead = dist_rank() == 0;
	char *model_dir = model_path_resolve(model);
	model = model_dir;
	const pt_backend *be = pt_device_open(device, precision, 1);

	bert_config cfg;
	bert_config_load(model, &cfg);
	for (int i = 0; i < nsets; i++)
		bert_config_set(&cfg, sets[i]);
	checkpoint_check(&cfg, model);   /* before allocating: a checkpoint that does not fit the config */
	bert_model *m = bert_create_on(&cfg, be);
	if (!allow_new_head && !checkpoint_has_head(model))
		pt_die("%s: no trained classifier (classifier.weight is not in its checkpoint): the predictions "
		       "would come from a random head; fine-tune it first (train --model %s) and predict with "
		       "train's output folder, or pass --allow-new-head", model, model);
	bert_set_precision(m, precision);
	checkpoint_load(m, &cfg, model, (uint64_t)seed);
	pt_reader *r = rec_open(in);
	/* The records come out only once every batch has passed, so bad input
	 * never leaves partial output. Under MPI, rank 0 alone writes. */
	pt_writer w;
	if (lead)
		wr_init(&w, pt_output_open_held(out));
	predict_stats st;
	predict_run(m, &cfg, r, lead ? &w : NULL, &st);
	if (lead) {
		pt_output_commit();
		predict_report(stderr, &st);
	}
	rec_close(r);
	bert_free(m);
	bert_config_free(&cfg);
	free(sets);
	free(model_dir);
	dist_finalize();
	return 0;
}
