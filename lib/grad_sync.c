#include "grad_sync.h"
#include "dist.h"
#include "options.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include "backend/cuda_plugin.h"

static const pt_backend *sync_be;
static int use_nccl, forced;
static const pt_cuda_api *nccl;   /* the CUDA plugin, when it reduces with NCCL */

static const char *const allreduce_names[] = { "auto", "mpi", "nccl" };

pt_allreduce grad_sync_parse(const char *name)
{
	return (pt_allreduce)pt_opt_choice("--allreduce", name, allreduce_names, 3);
}

void grad_sync_init(const pt_backend *be, pt_allreduce how)
{
	sync_be = be;
	int gpu = !be->is_host;
	const pt_cuda_api *api = pt_cuda_loaded();
	int have_nccl = gpu && api && be == api->backend && api->nccl_init;
	if (how == PT_ALLREDUCE_AUTO) {
#ifdef PT_HAVE_MPI
		use_nccl = have_nccl && dist_size() > 1;
#endif
	} else if (how == PT_ALLREDUCE_NCCL) {
		if (!gpu)
			pt_die("--allreduce nccl: NCCL reduces GPU memory; add --device cuda");
		if (!have_nccl)
			pt_die("--allreduce nccl: this build has no NCCL (nccl.h was not found beside nvcc)");
		use_nccl = forced = 1;
	}
	if (use_nccl) {
		nccl = api;
		unsigned char id[PT_NCCL_ID_BYTES];
		if (dist_rank() == 0)
			nccl->nccl_id(id);
		dist_bcast_bytes(id, sizeof id);
		nccl->nccl_init(id, dist_rank(), dist_size());
	}
}

int grad_sync_active(void)
{
	return dist_size() > 1 || forced;
}

const char *grad_sync_describe(void)
{
	return use_nccl ? "NCCL all-reduce" : sync_be && !sync_be->is_host ? "MPI_Allreduce via host memory"
									   : "MPI_Allreduce";
}

void grad_sync_sum(float *g, size_t n)
{
	if (use_nccl) {
		nccl->nccl_allreduce_sum(g, n);
		return;
	}
	if (!sync_be || sync_be->is_host) {
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
	if (use_nccl)
		nccl->nccl_finalize();
	use_nccl = forced = 0;
	nccl = NULL;
}
