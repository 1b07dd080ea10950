/* device: --device cpu|cuda|auto -> a backend (see device.h). */
#include "backend/device.h"
#include "backend/cuda_plugin.h"
#include "options.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* the CUDA plugin's table when be is its backend, else NULL */
static const pt_cuda_api *cuda_of(const pt_backend *be)
{
	const pt_cuda_api *api = pt_cuda_loaded();
	return api && be == api->backend ? api : NULL;
}

static const char *const device_names[] = { "cpu", "cuda", "auto" };

pt_device pt_device_parse(const char *name)
{
	return (pt_device)pt_opt_choice("--device", name, device_names, 3);
}

const pt_backend *pt_device_select(pt_device d)
{
	if (d == PT_DEVICE_CPU)
		return &pt_cpu_backend;
	int want = d == PT_DEVICE_CUDA;
	const char *why;
	/* auto on a machine without the NVIDIA driver: no GPU, and CUDA is never loaded */
	if (!want && !pt_cuda_driver_present(&why))
		return &pt_cpu_backend;
	const pt_cuda_api *api = pt_cuda_load(&why);
	if (api && api->available())
		return api->backend;
	if (want && !api)
		pt_die("--device cuda: %s; use --device cpu or auto", why);
	if (want)
		pt_die("--device cuda: no CUDA device is visible (%s); use --device cpu or auto", api->describe());
	if (!api)
		pt_warn("--device auto: %s; running on the CPU", why);
	return &pt_cpu_backend;
}

static const char *const precision_names[] = { "fp32", "tf32", "bf16", "fp16" };

pt_precision pt_precision_parse(const char *name)
{
	return (pt_precision)pt_opt_choice("--precision", name, precision_names, 4);
}

const char *pt_precision_name(pt_precision p)
{
	return precision_names[p];
}

void pt_device_set_precision(const pt_backend *be, pt_precision p)
{
	const pt_cuda_api *api = cuda_of(be);
	if (api) {
		api->set_precision(p);
		return;
	}
	if (p == PT_BF16 && !pt_cpu_bf16_available())
		pt_usage_error("--precision bf16: this CPU has no bf16 instructions (AVX512-BF16 or AMX); "
			       "use --precision fp32 or --device cuda");
	if (p != PT_FP32 && p != PT_BF16)
		pt_die("--precision %s: the %s backend computes in fp32 or bf16; use --device cuda", precision_names[p],
		       be->name);
	pt_cpu_set_precision(p);
}

const pt_backend *pt_device_open(pt_device d, pt_precision p, int announce)
{
	const pt_backend *be = pt_device_select(d);
	if (announce && !be->is_host)
		pt_warn("device: %s", pt_device_describe(be));
	pt_device_set_precision(be, p);
	return be;
}

const char *pt_device_describe(const pt_backend *be)
{
	const pt_cuda_api *api = cuda_of(be);
	if (api) {
		static char buf[400];
		snprintf(buf, sizeof buf, "cuda (%s)", api->describe());
		return buf;
	}
	return be->name;
}

const float *pt_host_view(const pt_backend *be, const float *x, size_t n, float **copy)
{
	*copy = NULL;
	if (be->is_host)
		return x;
	*copy = pt_malloc(n * sizeof(float));
	be->to_host(*copy, x, n * sizeof(float));
	return *copy;
}
