/* glue-metric: evaluate.load("glue", TASK).compute() over prediction
 * records (options and wiring only; the metrics are lib/metrics.c). */
#include <getopt.h>
#include <stdio.h>

#include "metrics.h"
#include "record.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [OPTION]... TASK [FILE]\n"
	       "Score predictions with a GLUE task's metric, as evaluate.load(\"glue\", TASK) does.\n"
	       "\n"
	       "Score prediction records (FILE or standard input) the way\n"
	       "evaluate.load(\"glue\", TASK).compute(predictions=..., references=...) does,\n"
	       "and print its result as Python's json.dumps prints it.\n"
	       "\n"
	       "TASK: %s\n"
	       "  cola: matthews_correlation; stsb: pearson, spearmanr; mrpc, qqp: accuracy,\n"
	       "  f1; the others: accuracy.\n"
	       "\n"
	       "Each record needs `label` and either `prediction` or `logits` (argmax, or\n"
	       "logits[0] for stsb), as predict writes them:\n"
	       "  {\"idx\": 0, \"label\": 1, \"logits\": [-1.2, 2.3], \"prediction\": 1}\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output F   write to F (atomically) instead of standard output\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Labels and predictions must be classes of TASK (mrpc: 0 or 1; mnli: 0 to 2).\n"
	       "Limits: a record of at most 1 GiB.\n"
	       "\n"
	       "Examples:\n"
	       "  $ tok --model run --task mrpc < dev.tsv | collate | predict --model run | %s mrpc\n"
	       "  {\"accuracy\": 0.8578431372549019, \"f1\": 0.8996539792387542}\n",
	       pt_progname, glue_task_names(), pt_progname);
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	const char *out = NULL;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		pt_usage_error("missing TASK (one of: %s)", glue_task_names());
	if (argc - optind > 2)
		pt_usage_error("expected TASK [FILE]");
	int kind = glue_task_kind(argv[optind]);
	if (kind < 0)
		pt_usage_error("unknown TASK '%s' (one of: %s)", argv[optind], glue_task_names());
	pt_reader *r = rec_open(optind + 1 < argc ? argv[optind + 1] : NULL);
	glue_inputs in = {.classes = glue_task_classes(argv[optind])};
	glue_read(r, (enum glue_kind)kind, &in);
	char buf[256];
	glue_result_json((enum glue_kind)kind, &in, rec_source(r), buf);
	rec_close(r);
	glue_inputs_free(&in);
	FILE *fp = pt_output_open(out);
	fprintf(fp, "%s\n", buf);
	pt_output_commit();
	return 0;
}
