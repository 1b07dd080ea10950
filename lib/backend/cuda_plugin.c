/* cuda_plugin: finding and loading the CUDA backend's shared object (see
 * cuda_plugin.h). */
#include "backend/cuda_plugin.h"
#include "util.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PT_HAVE_CUDA
static const char no_cuda[] = "this build has no CUDA support (nvcc was not found at build time)";
#endif

static const pt_cuda_api *api;   /* the loaded table, or NULL */
static int tried;
static char why_buf[PATH_MAX + 512];

#ifdef PT_HAVE_CUDA
/* Opens the plugin at path and checks its table; NULL with why_buf set. */
static const pt_cuda_api *open_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why_buf, sizeof why_buf, "cannot load the CUDA backend: %s", dlerror());
		return NULL;
	}
	void *sym = dlsym(h, PT_CUDA_PLUGIN_SYMBOL);
	pt_cuda_plugin_fn fn;
	memcpy(&fn, &sym, sizeof fn);   /* object to function pointer, as POSIX allows */
	const pt_cuda_api *a = fn ? fn() : NULL;
	if (!a || a->abi != PT_CUDA_PLUGIN_ABI || a->backend_size != sizeof(pt_backend)) {
		snprintf(why_buf, sizeof why_buf,
			 "%s is not this build's CUDA backend (%s; expected plugin ABI %d): rebuild it", path,
			 !fn ? "no " PT_CUDA_PLUGIN_SYMBOL : !a ? "no table" : "another ABI", PT_CUDA_PLUGIN_ABI);
		dlclose(h);
		return NULL;
	}
	return a;   /* h stays open for the life of the process */
}

static const pt_cuda_api *load(void)
{
	const char *env = getenv("PT_CUDA_PLUGIN");
	if (env && *env) {
		if (access(env, R_OK) != 0) {
			snprintf(why_buf, sizeof why_buf, "PT_CUDA_PLUGIN=%s: no such readable file", env);
			return NULL;
		}
		return open_plugin(env);
	}
	char dir[PATH_MAX], path[PATH_MAX + 64];
	if (pt_exe_dir(dir, sizeof dir)) {
		static const char *const where[] = { "%s/" PT_CUDA_PLUGIN_FILE, "%s/../lib/pipetune/" PT_CUDA_PLUGIN_FILE };
		for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
			snprintf(path, sizeof path, where[i], dir);
			if (access(path, R_OK) == 0)
				return open_plugin(path);
		}
	}
	snprintf(why_buf, sizeof why_buf,
		 "the CUDA backend (%s) is neither beside the executable nor in ../lib/pipetune "
		 "(set PT_CUDA_PLUGIN to its path)", PT_CUDA_PLUGIN_FILE);
	return NULL;
}
#else
static const pt_cuda_api *load(void)
{
	snprintf(why_buf, sizeof why_buf, "%s", no_cuda);
	return NULL;
}
#endif

const pt_cuda_api *pt_cuda_load(const char **why)
{
	if (!tried) {
		tried = 1;
		api = load();
	}
	if (!api && why)
		*why = why_buf;
	return api;
}

const pt_cuda_api *pt_cuda_loaded(void)
{
	return api;
}

int pt_cuda_driver_present(const char **why)
{
#ifdef PT_HAVE_CUDA
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (h) {
		dlclose(h);
		return 1;
	}
	if (why)
		*why = "the NVIDIA driver (libcuda.so.1) is not installed";
#else
	if (why)
		*why = no_cuda;
#endif
	return 0;
}
