/* cuda_plugin: the CUDA backend (lib/backend/cuda/) is a shared object the tools
 * load when a run asks for the GPU, not a library they are linked with, so
 * that a CPU run never loads cudart, cuBLAS or NCCL (their cost:
 * bench/README.md, "Why the code is as it is"). The plugin exports one
 * function, PT_CUDA_PLUGIN_SYMBOL, that returns its table below.
 *
 * Where it is looked for, first found wins: $PT_CUDA_PLUGIN (a path);
 * PT_CUDA_PLUGIN_FILE beside the executable (the build tree: bin/); and
 * ../lib/pipetune/PT_CUDA_PLUGIN_FILE from the executable's folder (make
 * install). */
#ifndef PT_CUDA_PLUGIN_H
#define PT_CUDA_PLUGIN_H

#include <stddef.h>
#include "backend/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever this table or pt_backend changes shape. */
#define PT_CUDA_PLUGIN_ABI 2
#define PT_CUDA_PLUGIN_SYMBOL "pt_cuda_plugin_api"
#define PT_CUDA_PLUGIN_FILE "libpipetune_cuda.so"

/* The size of an NCCL unique id (ncclUniqueId; lib/backend/cuda/nccl.cu checks it). */
#define PT_NCCL_ID_BYTES 128

typedef struct pt_cuda_api {
	int abi;                      /* PT_CUDA_PLUGIN_ABI of the plugin's build */
	size_t backend_size;          /* sizeof(pt_backend) there */
	const pt_backend *backend;    /* the op table (lib/backend/cuda/cuda.h: pt_cuda_backend) */
	int (*available)(void);       /* pt_cuda_available */
	const char *(*describe)(void);          /* pt_cuda_describe */
	void (*set_precision)(pt_precision p);  /* pt_cuda_set_precision */
	/* NCCL (lib/backend/cuda/cuda.h): all NULL when the plugin was built without it */
	void (*nccl_id)(void *id);
	void (*nccl_init)(const void *id, int rank, int size);
	void (*nccl_allreduce_sum)(float *x, size_t n);
	void (*nccl_finalize)(void);
} pt_cuda_api;

typedef const pt_cuda_api *(*pt_cuda_plugin_fn)(void);

/* Loads the plugin (once; later calls return the same answer) and returns
 * its table, or NULL with *why set to one line saying why not: this build
 * has no CUDA support, the file was not found or did not load (dlerror), or
 * it came from another build. Never dies. */
const pt_cuda_api *pt_cuda_load(const char **why);

/* The table when pt_cuda_load has succeeded before, else NULL; loads nothing. */
const pt_cuda_api *pt_cuda_loaded(void);

/* Whether this machine may have a GPU at all, without loading the plugin:
 * 0 when the NVIDIA driver library (libcuda.so.1) cannot be opened, with
 * *why saying so. --device auto asks this first, so that a CPU-only machine
 * never pays for loading CUDA. */
int pt_cuda_driver_present(const char **why);

#ifdef __cplusplus
}
#endif

#endif
