/* device: the --device option of train and predict (cpu, cuda or auto):
 * the backend (lib/backend/backend.h) the model runs on, chosen once at start-up. */
#ifndef PT_DEVICE_H
#define PT_DEVICE_H

#include "backend/backend.h"

typedef enum { PT_DEVICE_CPU, PT_DEVICE_CUDA, PT_DEVICE_AUTO } pt_device;

/* --device: "cpu", "cuda" or "auto"; anything else (NULL too) is a usage
 * error (exit 2). */
pt_device pt_device_parse(const char *name);

/* PT_DEVICE_CPU: the CPU backend. PT_DEVICE_CUDA: the CUDA backend, from
 * the plugin (cuda_plugin.h) loaded now; dies with one line when the build
 * has no CUDA support (nvcc was not found at build time), the plugin cannot
 * be loaded, or no CUDA device is visible. PT_DEVICE_AUTO: CUDA when the
 * NVIDIA driver is installed, the plugin loads and a device is visible,
 * else the CPU (with a warning when only the plugin is missing); on a
 * machine without the driver it loads nothing. */
const pt_backend *pt_device_select(pt_device d);

/* What train and predict do with --device and --precision: pt_device_select,
 * then pt_device_set_precision; when the backend is not the host's and
 * announce is set, says so on stderr in one line ("PROG: device: cuda
 * (NVIDIA H200, device 0 of 1)"). */
const pt_backend *pt_device_open(pt_device d, pt_precision p, int announce);

/* --precision: "fp32", "tf32", "bf16" or "fp16"; anything else (NULL too)
 * is a usage error (exit 2). */
pt_precision pt_precision_parse(const char *name);
/* "fp32", "tf32", "bf16" or "fp16" (what trainer_state.json and log.tsv record) */
const char *pt_precision_name(pt_precision p);
/* Makes be compute its matrix products in p: the CPU backend takes fp32
 * and, on a CPU with AVX512-BF16 or AMX, bf16 (a usage error, exit 2, on
 * one without; tf32 and fp16 die with one line), the CUDA one all four. */
void pt_device_set_precision(const pt_backend *be, pt_precision p);

/* One line naming the device behind be, e.g. "cuda (NVIDIA H200, device 0
 * of 1)" or "cpu"; a static string.
 * Exported for tests/unit/test_device.c; pt_device_open is its caller. */
const char *pt_device_describe(const pt_backend *be);

/* The n floats at x (memory of backend be) readable on the host, for
 * writing them out: x itself on the CPU backend (no copy: a copy of the
 * parameters or moments would add their size to the peak), else a fresh
 * host copy, also stored in *copy for the caller to free (*copy is NULL
 * when nothing was allocated). */
const float *pt_host_view(const pt_backend *be, const float *x, size_t n, float **copy);

#endif
