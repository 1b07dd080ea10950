/* train_eval: evaluation during training (contract in train_eval.h). */
#include "train_eval.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interrupt.h"
#include "predict.h"
#include "record.h"
#include "util.h"

/* "DIR:$PATH" with DIR the running executable's folder (free() it). */
static char *metric_path(void)
{
	char dir[PATH_MAX];
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	if (!pt_exe_dir(dir, sizeof dir))
		return pt_strdup(path);
	size_t n = strlen(dir) + strlen(path) + 2;
	char *p = pt_malloc(n);
	snprintf(p, n, "%s:%s", dir, path);
	return p;
}

static int is_exec(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* 1 when word names a program the shell finds through search (or a
 * builtin the shell runs itself). */
static int resolves(const char *word, const char *search)
{
	static const char *const builtins[] = {":", ".", "[", "cd", "echo", "eval", "exec", "exit", "export",
		"false", "kill", "printf", "read", "set", "test", "true", "wait", "command", NULL};
	for (size_t i = 0; builtins[i]; i++)
		if (strcmp(word, builtins[i]) == 0)
			return 1;
	if (strchr(word, '/'))
		return is_exec(word);
	char *copy = pt_strdup(search), *save = NULL;
	int found = 0;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = pt_path_join(*d ? d : ".", word);
		found = is_exec(p);
		free(p);
	}
	free(copy);
	return found;
}

void train_metric_check(const char *cmd)
{
	char *search = metric_path();
	const char *s = cmd;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		size_t n = strcspn(s, " \t\n|;&<>");
		while (n && memchr(s, '=', n) && !memchr(s, '\'', n) && !memchr(s, '"', n)) {   /* VAR=value */
			s += n;
			while (*s == ' ' || *s == '\t')
				s++;
			n = strcspn(s, " \t\n|;&<>");
		}
		if (n == 0 && s == cmd + strspn(cmd, " \t\n"))
			pt_usage_error("--metric: an empty command");
		char word[256];
		int readable = n > 0 && n < sizeof word && !memchr(s, '\'', n) && !memchr(s, '"', n) &&
			       !memchr(s, '$', n) && !memchr(s, '`', n) && !memchr(s, '(', n) && !memchr(s, '{', n) &&
			       !memchr(s, '\\', n);
		if (readable) {
			memcpy(word, s, n);
			word[n] = '\0';
			static const char *const keywords[] = {"if", "for", "while", "until", "case", "!", "time", NULL};
			int compound = 0;
			for (size_t i = 0; keywords[i]; i++)
				compound |= strcmp(word, keywords[i]) == 0;
			if (compound)   /* shell syntax beyond a pipeline: the shell will say */
				break;
			if (!resolves(word, search))
				pt_usage_error("--metric: '%s': %s (looked in train's folder and PATH: %s)", word,
					       strchr(word, '/') ? "no such executable" : "command not found", search);
		}
		/* the next command of the pipeline: after an unquoted '|' */
		int q = 0;
		const char *p = s + n;
		for (; *p; p++) {
			if (*p == '\'' && q != 2)
				q = q ? 0 : 1;
			else if (*p == '"' && q != 1)
				q = q ? 0 : 2;
			else if (*p == '|' && !q)
				break;
		}
		if (!*p)
			break;
		s = p + 1 + (p[1] == '|');
	}
	free(search);
}

/* Runs `sh -c metric_cmd` with the file at path on its stdin and adds
 * eval_KEY to e for each number of the JSON object it prints. Returns 0, or
 * the status to exit with (contract in train_eval.h). */
static int run_metric(const char *metric_cmd, const char *path, log_entry *e)
{
	int in = open(path, O_RDONLY);
	if (in < 0)
		pt_die("%s: cannot reopen: %s", path, strerror(errno));
	int pfd[2];
	if (pipe(pfd) != 0)
		pt_die("--metric: cannot make a pipe: %s", strerror(errno));
	char *search = metric_path();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		pt_die("--metric: cannot start '%s': %s", metric_cmd, strerror(errno));
	if (pid == 0) {
		dup2(in, 0);
		dup2(pfd[1], 1);
		close(in);
		close(pfd[0]);
		close(pfd[1]);
		setenv("PATH", search, 1);
		execl("/bin/sh", "sh", "-c", metric_cmd, (char *)NULL);
		_exit(127);
	}
	free(search);
	close(in);
	close(pfd[1]);
	char out[8192];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(pfd[0], out + got, sizeof out - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof out - 1) {   /* keep the head, drain the rest */
			char sink[4096];
			while (read(pfd[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	out[got] = '\0';
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			pt_die("--metric: waitpid: %s", strerror(errno));
	if ((WIFSIGNALED(st) || WEXITSTATUS(st) != 0) && pt_interrupt_pending())
		return TRAIN_EVAL_ABANDONED;   /* Ctrl-C reached the command too: the run stops for it */
	if (WIFSIGNALED(st)) {
		pt_warn("--metric: '%s' was killed by signal %d", metric_cmd, WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	if (WEXITSTATUS(st) != 0) {
		pt_warn("--metric: '%s' failed with exit status %d", metric_cmd, WEXITSTATUS(st));
		return WEXITSTATUS(st);
	}
	json_error_t jerr;
	json_t *j = json_loads(out, JSON_DECODE_ANY, &jerr);
	if (!j || !json_is_object(j)) {
		pt_warn("--metric: '%s' printed no JSON object: %s", metric_cmd, j ? "not an object" : jerr.text);
		json_decref(j);
		return 1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		if (!json_is_number(v))
			continue;
		char key[48];
		snprintf(key, sizeof key, "eval_%s", k);
		log_put(e, key, json_number_value(v), 0);
	}
	json_decref(j);
	return 0;
}

int train_evaluate(bert_model *m, const bert_config *c, const batch_set *eval,
		   const char *metric_cmd, log_entry *e, train_log *l)
{
	double loss_sum = 0;
	long nex = 0;
	const char *tmpdir = getenv("TMPDIR");   /* as mktemp(1): $TMPDIR, else /tmp */
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	char *tmpl = pt_path_join(tmpdir, "pipetune-eval-XXXXXX");
	int fd = mkstemp(tmpl);
	if (fd < 0)
		pt_die("cannot create a temporary file in %s: %s", tmpdir, strerror(errno));
	FILE *pf = fdopen(fd, "w+b");
	pt_writer w;
	wr_init(&w, pf);
	float *logits = pt_malloc((size_t)eval->max_rows * (size_t)c->num_labels * sizeof *logits);
	double t0 = pt_now();
	for (size_t i = 0; i < eval->n && !pt_interrupt_pending(); i++) {
		const batch_buf *b = &eval->v[i];
		float loss = bert_forward(m, &b->b, 0, 0, logits);
		if (b->has_labels) {
			loss_sum += (double)loss * b->b.B;
			nex += b->b.B;
		}
		predict_write_batch(&w, b, logits, c->num_labels);
		if (l)
			train_progress_eval(l, (int64_t)i + 1, (int64_t)eval->n);
	}
	free(logits);
	int abandoned = pt_interrupt_pending();
	if (!abandoned && (fflush(pf) != 0 || ferror(pf)))
		pt_die("%s: write error: %s", tmpl, strerror(errno));
	if (l)
		train_progress_clear(l);
	double runtime = pt_now() - t0;

	if (nex)
		log_put(e, "eval_loss", loss_sum / (double)nex, 0);
	int status = abandoned ? TRAIN_EVAL_ABANDONED : metric_cmd ? run_metric(metric_cmd, tmpl, e) : 0;
	fclose(pf);
	unlink(tmpl);
	free(tmpl);
	if (status)
		return status;
	log_put(e, "eval_runtime", runtime, 0);
	log_put(e, "eval_samples_per_second", runtime > 0 ? eval->rows / runtime : 0, 0);
	log_put(e, "eval_steps_per_second", runtime > 0 ? (double)eval->n / runtime : 0, 0);
	return status;
}
