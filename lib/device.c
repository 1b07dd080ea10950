/* device: --device cpu|cuda|auto -> a backend (see device.h). */
#include "device.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#ifdef PT_HAVE_CUDA
#include "cuda/cuda.h"
#endif

const pt_backend *pt_device_select(const char *name)
{
	if (!name || (strcmp(name, "cpu") != 0 && strcmp(name, "cuda") != 0 && strcmp(name, "auto") != 0))
		pt_usage_error("--device: expected cpu, cuda or auto, got '%s'", name ? name : "(null)");
	if (strcmp(name, "cpu") == 0)
		return &pt_cpu_backend;
#ifdef PT_HAVE_CUDA
	if (pt_cuda_available())
		return &pt_cuda_backend;
	if (strcmp(name, "cuda") == 0)
		pt_die("--device cuda: no CUDA device is visible (%s); use --device cpu or auto", pt_cuda_describe());
#else
	if (strcmp(name, "cuda") == 0)
		pt_die("--device cuda: this build has no CUDA support (nvcc was not found at build time); "
		       "use --device cpu or auto");
#endif
	return &pt_cpu_backend;
}

static const char *const precision_names[] = { "fp32", "tf32", "bf16", "fp16" };

pt_precision pt_precision_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, precision_names[i]) == 0)
			return (pt_precision)i;
	pt_usage_error("--precision: expected fp32, tf32, bf16 or fp16, got '%s'", name ? name : "(null)");
}

const char *pt_precision_name(pt_precision p)
{
	return precision_names[p];
}

void pt_device_set_precision(const pt_backend *be, pt_precision p)
{
#ifdef PT_HAVE_CUDA
	if (be == &pt_cuda_backend) {
		pt_cuda_set_precision(p);
		return;
	}
#endif
	if (p != PT_FP32)
		pt_die("--precision %s: the %s backend computes in fp32 only; use --device cuda", precision_names[p],
		       be->name);
}

const char *pt_device_describe(const pt_backend *be)
{
#ifdef PT_HAVE_CUDA
	if (be == &pt_cuda_backend) {
		static char buf[400];
		snprintf(buf, sizeof buf, "cuda (%s)", pt_cuda_describe());
		return buf;
	}
#endif
	return be->name;
}

const float *pt_host_view(const pt_backend *be, const float *x, size_t n, float **copy)
{
	*copy = NULL;
	if (be == &pt_cpu_backend)
		return x;
	*copy = pt_malloc(n * sizeof(float));
	be->to_host(*copy, x, n * sizeof(float));
	return *copy;
}
