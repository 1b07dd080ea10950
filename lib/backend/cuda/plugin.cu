/* The CUDA backend's entry point as a plugin (lib/backend/cuda_plugin.h): the one
 * symbol the tools look up after loading libpipetune_cuda.so. */
#include "backend/cuda/cuda.h"
#include "backend/cuda_plugin.h"

static const pt_cuda_api plugin_api = {
	PT_CUDA_PLUGIN_ABI,
	sizeof(pt_backend),
	&pt_cuda_backend,
	pt_cuda_available,
	pt_cuda_describe,
	pt_cuda_set_precision,
#ifdef PT_HAVE_NCCL
	pt_nccl_id,
	pt_nccl_init,
	pt_nccl_allreduce_sum,
	pt_nccl_finalize,
#else
	NULL, NULL, NULL, NULL,
#endif
};

extern "C" __attribute__((visibility("default"))) const pt_cuda_api *pt_cuda_plugin_api(void)
{
	return &plugin_api;
}
