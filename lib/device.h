/* device: the --device option of train and predict (cpu, cuda or auto):
 * the backend (lib/backend.h) the model runs on, chosen once at start-up. */
#ifndef PT_DEVICE_H
#define PT_DEVICE_H

#include "backend.h"

/* "cpu": the CPU backend. "cuda": the CUDA backend; dies with one line
 * when the build has no CUDA support (nvcc was not found at build time) or
 * no CUDA device is visible. "auto": CUDA when built with it and a device
 * is visible, else the CPU. Anything else (NULL too): a usage error
 * (exit 2). */
const pt_backend *pt_device_select(const char *name);

/* One line naming the device behind be, e.g. "cuda (NVIDIA H200, device 0
 * of 1)" or "cpu"; a static string. */
const char *pt_device_describe(const pt_backend *be);

#endif
