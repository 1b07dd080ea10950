/* grad_sync: the sum of every rank's gradient buffer, on the path that fits
 * where the buffer lives: MPI_Allreduce on host memory (the CPU backend);
 * on a GPU, NCCL on device memory (when the CUDA plugin was built with it) or
 * MPI through a host copy. NCCL's communicator id travels over MPI. */
#ifndef PT_GRAD_SYNC_H
#define PT_GRAD_SYNC_H

#include <stddef.h>

#include "backend/backend.h"

/* --allreduce: how ranks sum gradients. */
typedef enum { PT_ALLREDUCE_AUTO, PT_ALLREDUCE_MPI, PT_ALLREDUCE_NCCL } pt_allreduce;

/* "auto", "mpi" or "nccl"; anything else (NULL too) is a usage error
 * (exit 2). */
pt_allreduce grad_sync_parse(const char *name);

/* how: AUTO (NCCL for GPU ranks when built in and there is more than one
 * rank, else MPI), MPI or NCCL (dies with one line when the backend is
 * not a GPU or the build has no NCCL). NCCL with a single rank still
 * runs the all-reduce every step (a 1-rank communicator), to exercise the
 * path on one GPU. Call after dist_init, before the first sum; collective. */
void grad_sync_init(const pt_backend *be, pt_allreduce how);
/* 1 when grad_sync_sum must be called after each backward pass: more than
 * one rank, or NCCL asked for. */
int grad_sync_active(void);
/* "MPI_Allreduce", "MPI_Allreduce via host memory" or "NCCL all-reduce". */
const char *grad_sync_describe(void);
/* g[0..n) (memory of be) = the sum over ranks, on every rank. */
void grad_sync_sum(float *g, size_t n);
/* Leaves NCCL, if joined. */
void grad_sync_finalize(void);

#endif
