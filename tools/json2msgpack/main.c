/* json2msgpack: JSON Lines to a msgpack record stream (options and wiring
 * only; the conversion is lib/jsonconv.c). */
#include <getopt.h>
#include <stdio.h>

#include "jsonconv.h"
#include "record.h"
#include "util.h"

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]\n"
	       "Convert JSON objects into a msgpack record stream, as msgpack2json's inverse.\n"
	       "\n"
	       "Convert JSON objects (JSON Lines, or msgpack2json --pretty output) from\n"
	       "FILE or standard input into a msgpack record stream, one map per object.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output F   write to F (atomically) instead of standard output\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Typing rule: integers become msgpack ints (int64 range). A number with a\n"
	       "fraction or exponent becomes a float32 when its text is exactly the\n"
	       "shortest float32 repr of that float32 (what msgpack2json prints for a\n"
	       "float32, e.g. -1.2345678), otherwise a float64 (e.g. 0.1234567890123,\n"
	       "or 3.80). So msgpack2json | json2msgpack gives back the same bytes.\n"
	       "\n"
	       "Examples:\n"
	       "  $ msgpack2json dev.mpk | sed 's/\"label\": 1/\"label\": 0/' | %s > dev0.mpk\n"
	       "  $ echo '{\"idx\": 0, \"input_ids\": [101, 7592, 102]}' | %s | msgpack2json\n",
	       pt_progname, pt_progname, pt_progname);
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
	if (argc - optind > 1)
		pt_usage_error("at most one input file");
	pt_jreader *r = jr_open(optind < argc ? argv[optind] : NULL);
	pt_writer w;
	wr_init(&w, pt_output_open(out));
	while (jr_next(r, &w))
		;
	jr_close(r);
	pt_output_commit();
	return 0;
}
