/* tok: text examples -> BERT token ids, one msgpack record per example.
 * Options and wiring only; the tokenizer is lib/text/wordpiece.c, the model
 * folder loader lib/text/tokconfig.c, the input formats lib/text/textinput.c,
 * the output record lib/text/tokrecord.c. */
#include "model_path.h"
#include "options.h"
#include "record.h"
#include "text/textinput.h"
#include "text/tokconfig.h"
#include "text/tokrecord.h"
#include "text/wordpiece.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	printf("Usage: %s [--model M] [--task TASK | --text-a KEY [--text-b KEY] [--label KEY]] [OPTION]... [FILE]\n"
	       "Tokenize text examples into msgpack records, as BertTokenizerFast does.\n"
	       "\n"
	       "Tokenize text examples exactly as Hugging Face BertTokenizerFast(a, b, truncation=True)\n"
	       "and write one msgpack record per example to stdout:\n"
	       "  {idx, label (when known), input_ids, token_type_ids, attention_mask, tokenizer,\n"
	       "   label_names (when known)}\n"
	       "tokenizer is this tokenizer's fingerprint (train and predict refuse ids from another\n"
	       "vocabulary than their model's), label_names the names of the label ids (train puts\n"
	       "them in config.json's id2label). Reads FILE, or standard input when FILE is absent\n"
	       "or '-'; refuses to write to a terminal.\n"
	       "\n"
	       "Options:\n"
	       "  -m, --model M          model folder with tokenizer.json, or vocab.txt (+ tokenizer_config.json),\n"
	       "                         or a folder name in $PIPETUNE_MODELS or ./models (default:\n"
	       "                         $PIPETUNE_MODEL, else " MODEL_PATH_DEFAULT ", the demo's model)\n"
	       "  -t, --task TASK        GLUE task: columns, header and labels of its TSV files\n"
	       "                         (%s); without --task or --text-a, recognised\n"
	       "                         from the TSV header and reported on stderr\n"
	       "  -f, --format FMT       tsv, csv (RFC 4180, header row) or jsonl (one JSON object per\n"
	       "                         line); default: from FILE's extension (.csv, .jsonl, .json),\n"
	       "                         else tsv (split on tabs, no quoting)\n"
	       "      --text-a KEY       first text: column name, JSON key, or 0-based column number\n"
	       "      --text-b KEY       second text (a record without it is a single sentence)\n"
	       "      --label KEY        label column or key (absent in a file: no label field)\n"
	       "      --label-names A,B  map string labels to 0,1,...\n"
	       "      --regression       labels are numbers, written as float32 (as for stsb)\n"
	       "      --no-header        TSV/CSV: the first line is data; keys are column numbers\n"
	       "      --max-length N     truncate to N tokens (default: model_max_length, 512)\n"
	       "  -o, --output FILE      write to FILE atomically instead of stdout\n"
	       "  -h, --help             show this help\n"
	       "\n"
	       "Integer labels must be classes of the task (mrpc: 0 or 1) or index --label-names.\n"
	       "Limits: 64 label names, 64 special tokens; a word of over 100 characters\n"
	       "(max_input_chars_per_word, at most 256) becomes [UNK]; lines bounded by memory.\n"
	       "\n"
	       "Examples:\n"
	       "  $ %s < train.tsv | collate | train --epochs 3\n"
	       "  $ %s --model bert-base-uncased --task mrpc < train.tsv | collate | train --model bert-base-uncased --output-dir run\n"
	       "  $ %s -m bert-base-uncased -t mrpc dev.tsv | collate | predict --model run | glue-metric mrpc\n"
	       "  $ %s -m bert-base-cased --text-a premise --text-b hypothesis --label label --label-names entailment,neutral,contradiction data.jsonl > data.mpk\n",
	       pt_progname, ti_task_list(), pt_progname, pt_progname, pt_progname, pt_progname);
}

/* The format a file's name implies: .csv, .jsonl/.json, else TSV. */
static ti_format format_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && strcmp(dot, ".csv") == 0)
		return TI_CSV;
	if (dot && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0 || strcmp(dot, ".ndjson") == 0))
		return TI_JSONL;
	return TI_TSV;
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	enum { O_TEXT_A = 256, O_TEXT_B, O_LABEL, O_LABEL_NAMES, O_REGRESSION, O_NO_HEADER, O_MAX_LENGTH };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "task", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "text-a", required_argument, NULL, O_TEXT_A },
		{ "text-b", required_argument, NULL, O_TEXT_B },
		{ "label", required_argument, NULL, O_LABEL },
		{ "label-names", required_argument, NULL, O_LABEL_NAMES },
		{ "regression", no_argument, NULL, O_REGRESSION },
		{ "no-header", no_argument, NULL, O_NO_HEADER },
		{ "max-length", required_argument, NULL, O_MAX_LENGTH },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *model = NULL, *task_name = NULL, *output = NULL;
	ti_options opt = { .format = TI_TSV };
	int64_t max_length = 0;
	int c, format_given = 0;
	while ((c = getopt_long(argc, argv, "m:t:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 't': task_name = optarg; break;
		case 'f': opt.format = ti_format_parse(optarg); format_given = 1; break;
		case O_TEXT_A: opt.text_a = optarg; break;
		case O_TEXT_B: opt.text_b = optarg; break;
		case O_LABEL: opt.label = optarg; break;
		case O_LABEL_NAMES: opt.label_names = optarg; break;
		case O_REGRESSION: opt.regression = 1; break;
		case O_NO_HEADER: opt.no_header = 1; break;
		case O_MAX_LENGTH:
			max_length = pt_opt_int("--max-length", optarg, 3, INT32_MAX);
			break;
		case 'o': output = optarg; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (optind + 1 < argc)
		pt_usage_error("at most one input file");
	const char *in_path = optind < argc ? argv[optind] : "-";
	if (!format_given && strcmp(in_path, "-") != 0)
		opt.format = format_of(in_path);
	if (task_name) {
		const ti_task *task = ti_task_find(task_name);
		if (!task)
			pt_usage_error("--task: unknown task '%s' (expected one of %s)", task_name, ti_task_list());
		ti_options_from_task(&opt, task);
	}
	if (!opt.text_a && (opt.format != TI_TSV || opt.no_header))
		pt_usage_error("give --task or --text-a (the task is recognised from TSV headers only)");
	opt.detect_task = !opt.text_a;
	if (opt.no_header && opt.format == TI_JSONL)
		pt_usage_error("--no-header applies to tsv and csv");

	FILE *in = stdin;
	const char *in_name = "stdin";
	if (strcmp(in_path, "-") != 0) {
		in = fopen(in_path, "rb");
		if (!in)
			pt_die("%s: %s", in_path, strerror(errno));
		in_name = in_path;
	}
	FILE *out = pt_output_open(output);
	pt_refuse_tty(out);
	char *model_dir = model_path_resolve(model);
	pt_wordpiece *wp = tokconfig_load(model_dir);
	if (max_length)
		wp_set_max_length(wp, (size_t)max_length);
	char fp[WP_FINGERPRINT_MAX];
	wp_fingerprint(wp, fp, sizeof fp);
	ti_reader *rd = ti_open(in, in_name, &opt);
	const ti_task *found = ti_task_detected(rd);
	if (found) {
		ti_options_from_task(&opt, found);
		pt_warn("task: %s (recognised from the columns of %s; --task chooses another)", found->name, in_name);
	}
	pt_writer w;
	wr_init(&w, out);
	pt_encoding enc = { 0 };
	ti_example ex;
	while (ti_next(rd, &ex)) {
		wp_encode(wp, ex.a, ex.alen, ex.b, ex.blen, &enc);
		tokrecord_write(&w, &ex, &enc, opt.regression, fp, opt.regression ? NULL : opt.label_names);
	}
	pt_output_commit();
	ti_close(rd);
	if (in != stdin)
		fclose(in);
	wp_encoding_free(&enc);
	wp_free(wp);
	free(model_dir);
	return 0;
}
