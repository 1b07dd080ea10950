/* cuda: the CUDA backend (lib/cuda/, .cu files), the same op table as the CPU one
 * (lib/backend.h) on device memory: cuBLAS sgemm in plain fp32 (no TF32) for
 * every matrix product, own kernels for the rest, dropout masks and normal
 * fills regenerated from the same Philox streams as lib/rng.c, so results
 * match the CPU backend to rounding and dropout masks match exactly.
 * Built only when nvcc is found (the Makefile then defines PT_HAVE_CUDA);
 * the pointers given to its ops are device pointers from its own alloc. */
#ifndef PT_CUDA_H
#define PT_CUDA_H

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The op table. Its ops die with one line on stderr ("PROG: file:line:
 * call: error") on any CUDA or cuBLAS failure, including when no device is
 * present: check pt_cuda_available() before using it. */
extern const pt_backend pt_cuda_backend;

/* 1 when a CUDA device can be used (driver loaded, at least one device),
 * else 0. Never dies; the answer is computed once and cached. */
int pt_cuda_available(void);

/* One line about the device, never dies: when pt_cuda_available(), its
 * name and index ("NVIDIA H200, device 0 of 1"); else why none can be used
 * (the CUDA runtime's error, e.g. "cudaGetDeviceCount: no CUDA-capable
 * device is detected"). A static string. */
const char *pt_cuda_describe(void);

/* &pt_cuda_backend when pt_cuda_available(), else NULL. */
const pt_backend *pt_cuda_backend_get(void);

#ifdef __cplusplus
}
#endif

#endif
