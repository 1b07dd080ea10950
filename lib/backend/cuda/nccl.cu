/* NCCL: the gradient all-reduce between GPU ranks, on device memory, with
 * the communicator's id carried over MPI by the caller (lib/trainer.c).
 * Compiled only with PT_HAVE_NCCL (the Makefile defines it when nccl.h is
 * found beside nvcc). */
#ifdef PT_HAVE_NCCL
#include "backend/cuda/common.cuh"
#include "backend/cuda/cuda.h"

#include <nccl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static_assert(sizeof(ncclUniqueId) == PT_NCCL_ID_BYTES, "ncclUniqueId is not PT_NCCL_ID_BYTES bytes");

static ncclComm_t comm;

static void nccl_check(ncclResult_t r, const char *call, int line)
{
	if (r != ncclSuccess)
		cuda_fail(__FILE__, line, call, ncclGetErrorString(r));
}
#define NCCL_CHECK(call) nccl_check((call), #call, __LINE__)

extern "C" void pt_nccl_id(void *id)
{
	ncclUniqueId u;
	NCCL_CHECK(ncclGetUniqueId(&u));
	memcpy(id, &u, sizeof u);
}

extern "C" void pt_nccl_init(const void *id, int rank, int size)
{
	ncclUniqueId u;
	memcpy(&u, id, sizeof u);
	NCCL_CHECK(ncclCommInitRank(&comm, size, u, rank));
}

extern "C" void pt_nccl_allreduce_sum(float *x, size_t n)
{
	/* the ops run on the legacy default stream: NCCL on it is ordered
	 * after the backward pass and before the optimizer */
	NCCL_CHECK(ncclAllReduce(x, x, n, ncclFloat32, ncclSum, comm, cudaStreamLegacy));
}

extern "C" void pt_nccl_finalize(void)
{
	if (comm) {
		NCCL_CHECK(ncclCommDestroy(comm));
		comm = NULL;
	}
}
#endif
