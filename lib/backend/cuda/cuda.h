/* cuda: the CUDA backend (lib/backend/cuda/, .cu files), the same op table as the CPU one
 * (lib/backend/backend.h) on device memory: cuBLAS sgemm in plain fp32 (no TF32) for
 * every matrix product, own kernels for the rest, dropout masks and normal
 * fills regenerated from the same Philox streams as lib/rng.c, so results
 * match the CPU backend to rounding and dropout masks match exactly.
 * Built only when nvcc is found (the Makefile then defines PT_HAVE_CUDA),
 * into the plugin libpipetune_cuda.so that the tools load on demand
 * (lib/backend/cuda_plugin.h); the pointers given to its ops are device pointers
 * from its own alloc. */
#ifndef PT_CUDA_H
#define PT_CUDA_H

#include "backend/backend.h"
#include "backend/cuda_plugin.h"   /* PT_NCCL_ID_BYTES */

#ifdef __cplusplus
extern "C" {
#endif

/* The op table. Its ops die with one line on stderr ("PROG: file:line:
 * call: error") on any CUDA or cuBLAS failure, including when no device is
 * present: check pt_cuda_available() before using it. */
extern const pt_backend pt_cuda_backend;

/* 1 when a CUDA device can be used (driver loaded, at least one device),
 * else 0. Never dies; the answer is computed once and cached. Under an MPI
 * launcher the first call also selects the device of this rank: the
 * node-local rank (OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID or
 * MPI_LOCALRANKID) modulo the device count. */
int pt_cuda_available(void);

/* One line about the device, never dies: when pt_cuda_available(), its
 * name and index ("NVIDIA H200, device 0 of 1"); else why none can be used
 * (the CUDA runtime's error, e.g. "cudaGetDeviceCount: no CUDA-capable
 * device is detected"). A static string. */
const char *pt_cuda_describe(void);

/* &pt_cuda_backend when pt_cuda_available(), else NULL. */
const pt_backend *pt_cuda_backend_get(void);

/* The matrix products' precision from now on (lib/backend/cuda/matmul.cu): fp32
 * (the default: no TF32, results as the CPU's to rounding), tf32, bf16 or
 * fp16 (inputs rounded to 16 bits inside cuBLAS, fp32 accumulation; every
 * tensor stays fp32 in memory). */
void pt_cuda_set_precision(pt_precision p);

/* NCCL (lib/backend/cuda/nccl.cu; built when nccl.h is found: PT_HAVE_NCCL).
 * pt_nccl_id fills the id rank 0 makes (PT_NCCL_ID_BYTES bytes) for the
 * others to receive over MPI; pt_nccl_init joins the communicator of size
 * ranks on the current device; pt_nccl_allreduce_sum sums n device floats
 * across ranks in place, ordered on the default stream like every op;
 * pt_nccl_finalize leaves it. Each dies with one line on an NCCL error. */
void pt_nccl_id(void *id);
void pt_nccl_init(const void *id, int rank, int size);
void pt_nccl_allreduce_sum(float *x, size_t n);
void pt_nccl_finalize(void);

#ifdef __cplusplus
}
#endif

#endif
