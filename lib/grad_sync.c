#include "grad_sync.h"
#include "dist.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#ifdef PT_HAVE_CUDA
#include "cuda/cuda.h"
#endif

static const pt_backend *sync_be;
static int use_nccl, forced;

void grad_sync_init(const pt_backend *be, const char *how)
{
	sync_be = be;
	int gpu = be != &pt_cpu_backend;
	if (!how || strcmp(how, "auto") == 0) {
#if defined(PT_HAVE_NCCL) && defined(PT_HAVE_MPI)
		use_nccl = gpu && dist_size() > 1;
#endif
	} else if (strcmp(how, "nccl") == 0) {
		if (!gpu)
			pt_die("--allreduce nccl: NCCL reduces GPU memory; add --device cuda");
#if defined(PT_HAVE_NCCL)
		use_nccl = forced = 1;
#else
		pt_die("--allreduce nccl: this build has no NCCL (nccl.h was not found beside nvcc)");
#endif
	} else if (strcmp(how, "mpi") != 0) {
		pt_usage_error("--allreduce: expected auto, mpi or nccl, got '%s'", how);
	}
#ifdef PT_HAVE_NCCL
	if (use_nccl) {
		unsigned char id[PT_NCCL_ID_BYTES];
		if (dist_rank() == 0)
			pt_nccl_id(id);
		dist_bcast_bytes(id, sizeof id);
		pt_nccl_init(id, dist_rank(), dist_size());
	}
#endif
}

int grad_sync_active(void)
{
	return dist_size() > 1 || forced;
}

const char *grad_sync_describe(void)
{
	return use_nccl ? "NCCL all-reduce" : sync_be && sync_be != &pt_cpu_backend ? "MPI_Allreduce via host memory"
									   : "MPI_Allreduce";
}

void grad_sync_sum(float *g, size_t n)
{
#ifdef PT_HAVE_NCCL
	if (use_nccl) {
		pt_nccl_allreduce_sum(g, n);
		return;
	}
#endif
	if (!sync_be || sync_be == &pt_cpu_backend) {
		dist_allreduce_sum_f32(g, n);
		return;
	}
	float *h = pt_malloc(n * sizeof(float));
	sync_be->to_host(h, g, n * sizeof(float));
	dist_allreduce_sum_f32(h, n);
	sync_be->to_device(g, h, n * sizeof(float));
	free(h);
}

void grad_sync_finalize(void)
{
#ifdef PT_HAVE_NCCL
	if (use_nccl)
		pt_nccl_finalize();
#endif
	use_nccl = forced = 0;
}
