/* textinput: reading text-classification examples from GLUE TSV, CSV
 * (RFC 4180, header row) and JSON Lines, and the GLUE task table.
 *
 * GLUE TSV is split on tabs with no quote processing (as the HF GLUE
 * processors do); every row must have as many fields as the header (or as
 * the first row of a headerless file). A UTF-8 BOM at the start of the
 * input is skipped; a trailing \r is dropped from each line. Labels follow
 * HF `datasets` glue: string labels map to their index in the task's label
 * names, integer labels must be one of the task's classes (or index one
 * of --label-names), STS-B labels are float32; files without the label
 * column (GLUE test files) give examples without a label. idx is the
 * 0-based row number of the example. Every problem in
 * the input is fatal (pt_die) with one line naming the input, the line and
 * the field. */
#ifndef PT_TEXTINPUT_H
#define PT_TEXTINPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { TI_TSV, TI_CSV, TI_JSONL } ti_format;

/* --format: "tsv", "csv" or "jsonl"; anything else (NULL too) is a usage
 * error (exit 2). */
ti_format ti_format_parse(const char *name);

/* A GLUE task: column names in the TSV files and label names. */
typedef struct {
	const char *name;         /* "mrpc" */
	const char *text_a, *text_b, *label;  /* header names; text_b NULL: single */
	const char *headerless_a, *headerless_label;  /* column numbers when the file has no header (CoLA) */
	const char *label_names;  /* comma-separated, NULL: integer labels in the file */
	int regression;           /* float32 labels (STS-B) */
	int num_labels;           /* classes: integer labels in [0, num_labels); 0 for regression */
} ti_task;

/* The task called name (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli,
 * ax), or NULL. */
const ti_task *ti_task_find(const char *name);
/* The task names, comma-separated, for messages. */
const char *ti_task_list(void);

typedef struct {
	ti_format format;
	const char *text_a, *text_b, *label;  /* keys: column names, JSON keys, or
					        0-based column numbers in headerless TSV */
	const char *headerless_a, *headerless_label; /* used when a TSV file has no header
							  (its first field is not "index") */
	int no_header;            /* TSV/CSV: the first line is data; keys are column numbers */
	const char *label_names;  /* comma-separated string labels -> 0,1,...; may be NULL */
	int regression;           /* labels are float32 */
	int num_labels;           /* > 0: integer labels must be in [0, num_labels) (the task's;
	                             --label-names gives its own count); 0: any integer */
	int detect_task;          /* TSV without text_a: recognise the GLUE task from the
	                             header (ti_task_detected says which) */
} ti_options;

typedef struct {
	long idx;
	const char *a;  size_t alen;
	const char *b;  size_t blen;   /* b == NULL: a single sentence */
	int has_label;
	int64_t label;                 /* classification */
	float flabel;                  /* regression */
} ti_example;

typedef struct ti_reader ti_reader;

/* Sets the options' keys from a GLUE task (keys already set are kept). */
void ti_options_from_task(ti_options *opt, const ti_task *task);
/* Starts reading fp (named name in messages) and reads the header. Dies on
 * a missing column or bad input. */
ti_reader *ti_open(FILE *fp, const char *name, const ti_options *opt);
/* The GLUE task recognised from the input's first line (detect_task), or
 * NULL. Recognised: each task's train, dev and test files, by their
 * columns (#1 String: mrpc, question1: qqp, promptID or gold_label: mnli,
 * filename: stsb, question + sentence: qnli, sentence + label alone: sst2,
 * a headerless 4-column file with 0/1 in column 1: cola); sentence1 +
 * sentence2 + label is rte, wnli or ax, told apart by the first label
 * (entailment/not_entailment: rte, an integer: wnli, neutral or
 * contradiction: ax). Files that two tasks share exactly (the unlabelled
 * test files of sst2/cola and rte/wnli/ax) and any other file die asking
 * for --task. */
const ti_task *ti_task_detected(const ti_reader *r);
/* Reads the next example into *ex (its strings stay valid until the next
 * call). Returns 1, or 0 at the end of the input. Dies on bad input. */
int ti_next(ti_reader *r, ti_example *ex);
/* Frees the reader; does not close fp. */
void ti_close(ti_reader *r);

/* Returns 0 if s[0..n) is valid UTF-8, else the 1-based byte position of
 * the first invalid sequence. */
size_t ti_utf8_check(const char *s, size_t n);

#endif
