/* device: the --device option of train and predict (cpu, cuda or auto):
 * the backend (lib/backend/backend.h) the model runs on, chosen once at start-up. */
#ifndef PT_DEVICE_H
#define PT_DEVICE_H

#include "backend/backend.h"

/* "cpu": the CPU backend. "cuda": the CUDA backend, from the plugin
 * (cuda_plugin.h) loaded now; dies with one line when the build has no CUDA
 * support (nvcc was not found at build time), the plugin cannot be loaded,
 * or no CUDA device is visible. "auto": CUDA when the NVIDIA driver is
 * installed, the plugin loads and a device is visible, else the CPU (with a
 * warning when only the plugin is missing); on a machine without the
 * driver it loads nothing. Anything else (NULL too): a usage error (exit 2). */
const pt_backend *pt_device_select(const char *name);

/* --precision: "fp32", "tf32", "bf16" or "fp16"; anything else is a usage
 * error (exit 2). */
pt_precision pt_precision_parse(const char *name);
const char *pt_precision_name(pt_precision p);
/* Makes be compute its matrix products in p: the CPU backend takes fp32
 * only (dies with one line otherwise), the CUDA one all four. */
void pt_device_set_precision(const pt_backend *be, pt_precision p);

/* One line naming the device behind be, e.g. "cuda (NVIDIA H200, device 0
 * of 1)" or "cpu"; a static string. */
const char *pt_device_describe(const pt_backend *be);

/* The n floats at x (memory of backend be) readable on the host, for
 * writing them out: x itself on the CPU backend (no copy: a copy of the
 * parameters or moments would add their size to the peak), else a fresh
 * host copy, also stored in *copy for the caller to free (*copy is NULL
 * when nothing was allocated). */
const float *pt_host_view(const pt_backend *be, const float *x, size_t n, float **copy);

#endif
