/* collate: DataCollatorWithPadding as a stream filter (options and wiring
 * only; the batching is lib/collate.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "collate.h"
#include "options.h"
#include "record.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]\n"
	       "Pad tok's records into batches, as transformers' DataCollatorWithPadding does.\n"
	       "\n"
	       "Batch tok's records (FILE or standard input) the way transformers'\n"
	       "DataCollatorWithPadding does: rows padded to the longest row of the batch.\n"
	       "\n"
	       "Options:\n"
	       "  -b, --batch-size N          examples per batch (default 8; at most 65536; the\n"
	       "                              Trainer's --per-device-train-batch-size and\n"
	       "                              --per-device-eval-batch-size are accepted)\n"
	       "      --pad-id N              input_ids padding (default 0, BERT's [PAD];\n"
	       "                              tok's records do not carry it; a token id,\n"
	       "                              0 to 2^31-1)\n"
	       "      --pad-to-multiple-of N  round the padded length up to a multiple of N\n"
	       "                              (at most 65536)\n"
	       "      --shuffle               a seeded random example order (Fisher-Yates\n"
	       "                              over splitmix64; reads the whole input)\n"
	       "      --seed S                seed for --shuffle (default 42)\n"
	       "      --group-by-length       batches of similar length, less padding: sort\n"
	       "                              each chunk of 50 batches by length (longest\n"
	       "                              first), then, with --shuffle, shuffle the batch\n"
	       "                              order (LengthGroupedSampler's idea)\n"
	       "      --drop-last             drop the final short batch\n"
	       "  -o, --output F              write to F (atomically) instead of stdout\n"
	       "  -h, --help                  show this help\n"
	       "\n"
	       "In:  {\"idx\": 0, \"label\": 1, \"input_ids\": [..], \"token_type_ids\": [..], \"attention_mask\": [..]}\n"
	       "Out: {\"idx\": [..], \"labels\": [..], \"input_ids\": [[..],..], \"token_type_ids\": [[..],..],\n"
	       "      \"attention_mask\": [[..],..]}\n"
	       "token_type_ids and attention_mask are padded with 0; `label` becomes\n"
	       "`labels` (ints, or floats for STS-B; omitted when records have none); any\n"
	       "other scalar field passes through as an array per batch, except tok's\n"
	       "stream-wide `tokenizer` and `label_names`, which must be the same in every\n"
	       "record and are written once per batch. Without --shuffle or --group-by-length\n"
	       "the input is streamed, one batch in memory. Refuses to write to a terminal.\n"
	       "\n"
	       "Limits: a record of at most 1 GiB; ids and token types >= 0, mask values\n"
	       "0 or 1, labels ints (or -100) or floats, one kind in every record.\n"
	       "\n"
	       "Examples:\n"
	       "  $ tok < train.tsv | %s | train --epochs 3\n"
	       "  $ tok --model bert-base-uncased --task mrpc < train.tsv | %s --shuffle > train.mpk\n"
	       "  $ tok --model bert-base-uncased --task mrpc < dev.tsv | %s -b 32 > dev.mpk\n",
	       pt_progname, pt_progname, pt_progname, pt_progname);
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	enum { PAD_ID = 256, PAD_MULT, SHUFFLE, SEED, GROUP, DROP };
	static const struct option opts[] = {
		{"batch-size", required_argument, 0, 'b'},
		{"per-device-train-batch-size", required_argument, 0, 'b'},
		{"per-device-eval-batch-size", required_argument, 0, 'b'},
		{"pad-id", required_argument, 0, PAD_ID},
		{"pad-to-multiple-of", required_argument, 0, PAD_MULT},
		{"shuffle", no_argument, 0, SHUFFLE},
		{"seed", required_argument, 0, SEED},
		{"group-by-length", no_argument, 0, GROUP},
		{"drop-last", no_argument, 0, DROP},
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	collate_opts o = {.batch_size = 8, .seed = 42};
	const char *out = NULL;
	int c, seed_set = 0;
	while ((c = getopt_long(argc, argv, "b:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.batch_size = pt_opt_int("--batch-size", optarg, 1, COLLATE_MAX_BATCH); break;
		case PAD_ID: o.pad_id = pt_opt_int("--pad-id", optarg, 0, INT32_MAX); break;
		case PAD_MULT:
			o.pad_multiple = pt_opt_int("--pad-to-multiple-of", optarg, 1, COLLATE_MAX_MULTIPLE);
			break;
		case SHUFFLE: o.shuffle = 1; break;
		case SEED: o.seed = (uint64_t)pt_opt_int("--seed", optarg, 0, INT64_MAX); seed_set = 1; break;
		case GROUP: o.group_by_length = 1; break;
		case DROP: o.drop_last = 1; break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (seed_set && !o.shuffle)
		pt_usage_error("--seed needs --shuffle");
	if (argc - optind > 1)
		pt_usage_error("at most one input file");
	pt_reader *r = rec_open(optind < argc ? argv[optind] : NULL);
	pt_writer w;
	FILE *fp = pt_output_open(out);
	pt_refuse_tty(fp);
	wr_init(&w, fp);
	collate_run(r, &w, &o);
	rec_close(r);
	pt_output_commit();
	return 0;
}
