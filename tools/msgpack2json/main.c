/* msgpack2json: a record stream to JSON Lines (options and wiring only;
 * the conversion is lib/jsonconv.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsonconv.h"
#include "record.h"
#include "text/tokconfig.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]\n"
	       "Print a msgpack record stream as JSON Lines, or as indented JSON for people.\n"
	       "\n"
	       "Print a msgpack record stream (FILE, or standard input) as JSON Lines:\n"
	       "one JSON object per record, keys in stream order.\n"
	       "\n"
	       "Options:\n"
	       "  -p, --pretty        indent two spaces, one member per line; arrays of\n"
	       "                      numbers stay on one line, so a batch shows one row a\n"
	       "                      line, padding included (for people)\n"
	       "  -t, --tokens MODEL  after input_ids, add \"tokens\": the same ids as tokens\n"
	       "                      of MODEL's vocabulary (a model folder, as tok's\n"
	       "                      --model), to see what the tokenizer made\n"
	       "  -o, --output F      write to F (atomically) instead of standard output\n"
	       "  -h, --help          show this help\n"
	       "\n"
	       "Numbers: ints as ints; float32 as the shortest text that reads back to\n"
	       "the same float32, float64 as Python's repr (a float64 whose text would\n"
	       "read back as float32 gets one extra trailing zero, e.g. 3.80), so that\n"
	       "json2msgpack restores the stream byte for byte. NaN/Infinity print as\n"
	       "Python's json does. With --tokens the output is a view: json2msgpack\n"
	       "would keep the tokens field.\n"
	       "\n"
	       "Limits: a record of at most 1 GiB.\n"
	       "\n"
	       "Examples:\n"
	       "  $ tok --model bert-base-uncased --task mrpc < dev.tsv | %s | head -n 3\n"
	       "  $ %s --pretty dev.batches.mpk | head -n 30\n"
	       "  $ %s --pretty --tokens bert-base-uncased dev.tok.mpk | less\n",
	       pt_progname, pt_progname, pt_progname, pt_progname);
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	argv[0] = (char *)pt_progname;   /* getopt's own messages name the tool as ours do */
	static const struct option opts[] = {
		{"pretty", no_argument, 0, 'p'},
		{"tokens", required_argument, 0, 't'},
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	pt_json_opts jo = {0};
	int c;
	const char *out = NULL, *model = NULL;
	while ((c = getopt_long(argc, argv, "pt:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': jo.pretty = 1; break;
		case 't': model = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		pt_usage_error("at most one input file");
	pt_id_tokens vocab = {0};
	if (model) {
		pt_wordpiece *wp = tokconfig_load(model);
		vocab = wp_id_tokens(wp);
		wp_free(wp);
		jo.tokens = (const char *const *)vocab.tok;
		jo.ntokens = vocab.n;
	}
	pt_reader *r = rec_open(optind < argc ? argv[optind] : NULL);
	FILE *fp = pt_output_open(out);
	pt_jbuf buf = {0};
	pt_record rec;
	while (rec_next(r, &rec)) {
		jsonconv_record(&buf, &rec, &jo);
		if (buf.n >= 1 << 16) {
			fwrite(buf.p, 1, buf.n, fp);
			buf.n = 0;
		}
	}
	if (buf.n)  /* an empty stream leaves buf.p NULL, which fwrite may not take */
		fwrite(buf.p, 1, buf.n, fp);
	jbuf_free(&buf);
	wp_id_tokens_free(&vocab);
	rec_close(r);
	pt_output_commit();
	return 0;
}
