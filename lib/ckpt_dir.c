/* ckpt_dir: folders written atomically, and a run's checkpoint-N folders
 * (contracts in ckpt_dir.h). */
#include "ckpt_dir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* temporary folders begun and not yet committed, removed at exit */
static char **pending;
static size_t npending;
static int hook_set;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes path and everything below it; 0, or -1 with errno set. */
static int ckpt_rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_pending(void)
{
	for (size_t i = 0; i < npending; i++) {
		ckpt_rm_tree(pending[i]);
		free(pending[i]);
	}
	free(pending);
	pending = NULL;
	npending = 0;
}

static void forget_pending(const char *tmp)
{
	for (size_t i = 0; i < npending; i++)
		if (strcmp(pending[i], tmp) == 0) {
			free(pending[i]);
			pending[i] = pending[--npending];
			return;
		}
}

/* parent folder and base name of path (trailing slashes ignored) */
static void split_path(const char *path, char **parent, char **base)
{
	char *a = pt_strdup(path), *b = pt_strdup(path);
	size_t n = strlen(a);
	while (n > 1 && a[n - 1] == '/') {
		n--;
		a[n] = b[n] = '\0';
	}
	*parent = pt_strdup(dirname(a));
	*base = pt_strdup(basename(b));
	free(a);
	free(b);
}

static int has_checkpoint_subdirs(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d)))
		found = strncmp(e->d_name, "checkpoint-", 11) == 0;
	closedir(d);
	return found;
}

/* Removes ".BASE.tmp.PID" folders in parent whose PID is gone. */
static void remove_stale(const char *parent, const char *base)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	size_t bl = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *s = e->d_name;
		if (s[0] != '.' || strncmp(s + 1, base, bl) != 0 || strncmp(s + 1 + bl, ".tmp.", 5) != 0)
			continue;
		long pid;
		if (pt_parse_long(s + bl + 6, &pid) != 0 || pid <= 0)
			continue;
		if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		size_t n = strlen(parent) + strlen(s) + 2;
		char *p = pt_malloc(n);
		snprintf(p, n, "%s/%s", parent, s);
		if (has_checkpoint_subdirs(p))
			pt_warn("%s: left by an interrupted save; it holds checkpoint-* folders, so it is kept", p);
		else
			ckpt_rm_tree(p);
		free(p);
	}
	closedir(d);
}

char *ckpt_dir_begin(const char *out_dir)
{
	char *parent, *base;
	split_path(out_dir, &parent, &base);
	struct stat st;
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
		pt_die("%s: cannot create: the folder %s does not exist", out_dir, parent);
	remove_stale(parent, base);
	size_t n = strlen(parent) + strlen(base) + 40;
	char *tmp = pt_malloc(n);
	snprintf(tmp, n, "%s/.%s.tmp.%ld", parent, base, (long)getpid());
	ckpt_rm_tree(tmp);   /* an earlier begin of this process, never committed */
	if (mkdir(tmp, 0755) != 0)
		pt_die("%s: cannot create: %s", tmp, strerror(errno));
	if (!hook_set) {
		atexit(remove_pending);
		hook_set = 1;
	}
	pending = pt_realloc(pending, (npending + 1) * sizeof *pending);
	pending[npending++] = pt_strdup(tmp);
	free(parent);
	free(base);
	return tmp;
}

static void fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		pt_die("%s: cannot open: %s", path, strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL)
		pt_die("%s: fsync: %s", path, strerror(errno));
	close(fd);
}

/* Whether an existing folder may be replaced: empty, or a model/run folder. */
static int replaceable(const char *dir)
{
	static const char *const marks[] = {"config.json", "model.safetensors", "model.safetensors.index.json",
					    "trainer_state.json"};
	DIR *d = opendir(dir);
	if (!d)
		pt_die("%s: cannot open: %s", dir, strerror(errno));
	int entries = 0, marked = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		entries++;
		for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
			marked |= strcmp(e->d_name, marks[i]) == 0;
	}
	closedir(d);
	return entries == 0 || marked;
}

/* Moves old/checkpoint-* into dst (names dst lacks). */
static void carry_checkpoints(const char *old, const char *dst)
{
	DIR *d = opendir(old);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "checkpoint-", 11) != 0)
			continue;
		size_t n = strlen(old) + strlen(dst) + strlen(e->d_name) + 2;
		char *a = pt_malloc(n), *b = pt_malloc(n);
		snprintf(a, n, "%s/%s", old, e->d_name);
		snprintf(b, n, "%s/%s", dst, e->d_name);
		struct stat st;
		if (lstat(b, &st) != 0 && rename(a, b) != 0)
			pt_die("%s: cannot move into %s: %s", a, dst, strerror(errno));
		free(a);
		free(b);
	}
	closedir(d);
}

/* Renames the listed files present in tmp into out_dir, in order, then
 * removes tmp. */
static void commit_files(const char *tmp, const char *out_dir, const char *const *files)
{
	for (size_t i = 0; files[i]; i++) {
		char *a = pt_path_join(tmp, files[i]), *b = pt_path_join(out_dir, files[i]);
		if (access(a, F_OK) == 0 && rename(a, b) != 0)
			pt_die("%s: cannot rename into place: %s", b, strerror(errno));
		free(a);
		free(b);
	}
	if (rmdir(tmp) != 0)
		pt_warn("%s: cannot remove: %s", tmp, strerror(errno));
	int fd = open(out_dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Makes tmp the folder out_dir, swapping out an existing one. */
static void commit_whole(const char *tmp, const char *out_dir)
{
	char *parent, *base;
	split_path(out_dir, &parent, &base);
	fsync_path(tmp);
	struct stat st;
	if (lstat(out_dir, &st) != 0) {
		if (rename(tmp, out_dir) != 0)
			pt_die("%s: cannot rename into place: %s", out_dir, strerror(errno));
	} else {
		if (!S_ISDIR(st.st_mode))
			pt_die("%s: exists and is not a folder; refusing to replace it", out_dir);
		if (!replaceable(out_dir))
			pt_die("%s: exists and is not a model folder (no config.json, model.safetensors or "
			       "trainer_state.json); refusing to replace it",
			       out_dir);
		carry_checkpoints(out_dir, tmp);
		fsync_path(tmp);
		/* swap atomically where the kernel and file system can */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out_dir, RENAME_EXCHANGE) != 0) {
			if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
				pt_die("%s: cannot rename into place: %s", out_dir, strerror(errno));
			size_t n = strlen(tmp) + 8;
			char *old = pt_malloc(n);
			snprintf(old, n, "%s.old", tmp);
			if (rename(out_dir, old) != 0 || rename(tmp, out_dir) != 0)
				pt_die("%s: cannot rename into place: %s", out_dir, strerror(errno));
			ckpt_rm_tree(old);
			free(old);
		}
		/* tmp now names the previous folder */
		if (ckpt_rm_tree(tmp) != 0)
			pt_warn("%s: could not remove the replaced folder: %s", tmp, strerror(errno));
	}
	fsync_path(parent);
	free(parent);
	free(base);
}

void ckpt_dir_commit(const char *tmp, const char *out_dir, const char *const *files)
{
	if (files)
		commit_files(tmp, out_dir, files);
	else
		commit_whole(tmp, out_dir);
	forget_pending(tmp);
}

int ckpt_copy_file(const char *src_dir, const char *dir, const char *name)
{
	char *src = pt_path_join(src_dir, name);
	struct stat st;
	if (stat(src, &st) != 0) {
		free(src);
		return 0;
	}
	size_t len;
	char *data = pt_read_file(src, &len);
	if (!data)
		pt_die("%s: cannot read: %s", src, strerror(errno));
	char *dst = pt_path_join(dir, name);
	if (pt_write_file_atomic(dst, data, len) != 0)
		pt_die("%s: cannot write: %s", dst, strerror(errno));
	free(dst);
	free(data);
	free(src);
	return 1;
}

/* ---- a run folder's checkpoint-N ---- */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* The steps N of run_dir's checkpoint-N entries (N a decimal integer >= 0),
 * ascending, in a malloc'ed array (free() it; NULL when there are none) of
 * *n. Returns 0, or -1 with errno set when run_dir cannot be read. */
static int ckpt_dir_steps(const char *run_dir, long **steps, size_t *n)
{
	*steps = NULL;
	*n = 0;
	DIR *d = opendir(run_dir);
	if (!d)
		return -1;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		long s;
		if (strncmp(de->d_name, "checkpoint-", 11) != 0 || pt_parse_long(de->d_name + 11, &s) != 0 ||
		    s < 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*steps = pt_realloc(*steps, cap * sizeof **steps);
		}
		(*steps)[(*n)++] = s;
	}
	closedir(d);
	if (*n)
		qsort(*steps, *n, sizeof **steps, cmp_long);
	return 0;
}

char *ckpt_dir_checkpoint(const char *run_dir, long step)
{
	char name[64];
	snprintf(name, sizeof name, "checkpoint-%ld", step);
	return pt_path_join(run_dir, name);
}

char *ckpt_dir_last(const char *run_dir)
{
	long *steps;
	size_t n;
	if (ckpt_dir_steps(run_dir, &steps, &n) != 0)
		return NULL;
	if (n == 0) {
		errno = 0;
		return NULL;
	}
	char *p = ckpt_dir_checkpoint(run_dir, steps[n - 1]);
	free(steps);
	return p;
}

void ckpt_dir_rotate(const char *run_dir, int keep)
{
	long *steps;
	size_t n;
	if (keep <= 0 || ckpt_dir_steps(run_dir, &steps, &n) != 0)
		return;
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		char *p = ckpt_dir_checkpoint(run_dir, steps[i]);
		if (ckpt_rm_tree(p) != 0)
			pt_warn("%s: could not remove old checkpoint: %s", p, strerror(errno));
		free(p);
	}
	free(steps);
}
