/* model_path: --model NAME -> model folder (see model_path.h). */
#include "model_path.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The models directories, in search order, into dirs (each malloc'd);
 * returns how many. */
static size_t model_dirs(char **dirs, size_t max)
{
	size_t n = 0;
	const char *env = getenv("PIPETUNE_MODELS");
	if (env && *env) {
		char *copy = pt_strdup(env), *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d && n < max; d = strtok_r(NULL, ":", &save))
			dirs[n++] = pt_strdup(d);
		free(copy);
	}
	if (n < max)
		dirs[n++] = pt_strdup("models");
	char exe[PATH_MAX];
	if (pt_exe_dir(exe, sizeof exe)) {
		static const char *const rel[] = {"../models", "../share/pipetune/models"};
		for (size_t i = 0; i < 2 && n < max; i++) {
			char *p = pt_path_join(exe, rel[i]);
			char real[PATH_MAX];
			if (realpath(p, real)) {
				free(p);
				p = pt_strdup(real);
			}
			dirs[n++] = p;
		}
	}
	return n;
}

char *model_path_resolve(const char *arg)
{
	const char *why = NULL;
	if (!arg) {
		const char *env = getenv("PIPETUNE_MODEL");
		if (env && *env) {
			arg = env;
			why = "from PIPETUNE_MODEL";
		} else {
			arg = MODEL_PATH_DEFAULT;
			why = "the default; --model or PIPETUNE_MODEL choose another";
		}
	}
	if (!*arg)
		pt_die("--model: an empty model name");
	if (is_dir(arg)) {
		if (why)
			pt_warn("model: %s (%s)", arg, why);
		return pt_strdup(arg);
	}
	char *dirs[16];
	size_t nd = model_dirs(dirs, 16);
	const char *base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	char *found = NULL;
	int absolute = arg[0] == '/' || arg[0] == '.';
	for (size_t i = 0; i < nd && !found && !absolute && *base; i++) {
		char *p = pt_path_join(dirs[i], arg);
		if (is_dir(p)) {
			found = p;
			break;
		}
		free(p);
		if (base != arg) {
			p = pt_path_join(dirs[i], base);
			if (is_dir(p))
				found = p;
			else
				free(p);
		}
	}
	if (found) {
		pt_warn("model: %s (%s%s%s)", found, why ? why : "", why ? "; " : "", "found by name");
	} else {
		char list[4096];
		size_t len = 0;
		list[0] = '\0';
		for (size_t i = 0; i < nd; i++)
			len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
						i ? ", " : "", dirs[i]);
		for (size_t i = 0; i < nd; i++)
			free(dirs[i]);
		if (absolute || base == arg + strlen(arg))
			pt_die("model '%s'%s%s%s: no such folder; get the demo's model with scripts/fetch-model.sh, "
			       "or give the path of a Hugging Face model folder", arg, why ? " (" : "", why ? why : "",
			       why ? ")" : "");
		pt_die("model '%s'%s%s%s: not a folder, and no folder of that name in the models directories "
		       "(PIPETUNE_MODELS, then ./models, then beside the tools: %s); get the demo's model with "
		       "scripts/fetch-model.sh, or put a Hugging Face model folder (config.json, model.safetensors, "
		       "vocab.txt or tokenizer.json) in one of them",
		       arg, why ? " (" : "", why ? why : "", why ? ")" : "", list);
	}
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	return found;
}
