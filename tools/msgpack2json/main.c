/* msgpack2json: a record stream to JSON Lines (options and wiring only;
 * the conversion is lib/jsonconv.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsonconv.h"
#include "record.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]\n"
	       "Print a msgpack record stream (FILE, or standard input) as JSON Lines:\n"
	       "one JSON object per record, keys in stream order.\n"
	       "\n"
	       "  -p, --pretty     indent two spaces, one element per line (for people)\n"
	       "  -o, --output F   write to F (atomically) instead of standard output\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Numbers: ints as ints; float32 as the shortest text that reads back to\n"
	       "the same float32, float64 as Python's repr (a float64 whose text would\n"
	       "read back as float32 gets one extra trailing zero, e.g. 3.80), so that\n"
	       "json2msgpack restores the stream byte for byte. NaN/Infinity print as\n"
	       "Python's json does.\n"
	       "\n"
	       "Example:\n"
	       "  tok --model bert-base-uncased --task mrpc < dev.tsv | msgpack2json | head -n 3\n"
	       "  tok --model bert-base-uncased --task mrpc < dev.tsv | collate | msgpack2json --pretty | less\n",
	       pt_progname);
}

int main(int argc, char **argv)
{
	pt_init(argv[0]);
	static const struct option opts[] = {
		{"pretty", no_argument, 0, 'p'},
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int pretty = 0, c;
	const char *out = NULL;
	while ((c = getopt_long(argc, argv, "po:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pretty = 1; break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: pt_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		pt_usage_error("at most one input file");
	pt_reader *r = rec_open(optind < argc ? argv[optind] : NULL);
	FILE *fp = pt_output_open(out);
	pt_jbuf buf = {0};
	pt_record rec;
	while (rec_next(r, &rec)) {
		jsonconv_record(&buf, &rec, pretty);
		if (buf.n >= 1 << 16) {
			fwrite(buf.p, 1, buf.n, fp);
			buf.n = 0;
		}
	}
	fwrite(buf.p, 1, buf.n, fp);
	jbuf_free(&buf);
	rec_close(r);
	pt_output_commit();
	return 0;
}
