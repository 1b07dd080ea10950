/* CUDA backend: cross-entropy and MSE losses (means over the batch), as
 * lib/backend/cpu/loss.c: the per-row terms on the device, the mean on the host in
 * row order, so the loss is the CPU's up to the last bits of expf/log. */
#include "backend/cuda/common.cuh"
#include "backend/cuda/reduce.cuh"

#include <math.h>
#include <stdlib.h>

/* One thread per row: probs, and the row's loss term (used[b] = 0 when the
 * label is -100). */
static __global__ void crossentropy_forward_kernel(float *probs, double *term, int *used, const float *logits,
						   const int32_t *labels, int B, int NL)
{
	int b = blockIdx.x * blockDim.x + threadIdx.x;
	if (b >= B)
		return;
	const float *z = logits + (size_t)b * NL;
	float *pr = probs + (size_t)b * NL;
	float mx = z[0];
	for (int j = 1; j < NL; j++)
		mx = z[j] > mx ? z[j] : mx;
	double sum = 0;
	for (int j = 0; j < NL; j++) {
		pr[j] = expf(z[j] - mx);
		sum += pr[j];
	}
	for (int j = 0; j < NL; j++)
		pr[j] = (float)(pr[j] / sum);
	used[b] = labels[b] != -100;
	term[b] = labels[b] == -100 ? 0.0 : -((double)z[labels[b]] - mx - log(sum));
}

float cu_crossentropy_forward(float *probs, const float *logits, const int32_t *labels, int B, int NL)
{
	if (B <= 0)
		return NAN;
	size_t tbytes = sizeof(double) * (size_t)B;
	char *scratch = (char *)cuda_scratch(tbytes + sizeof(int) * (size_t)B);
	double *term = (double *)scratch;
	int *used = (int *)(scratch + tbytes);
	crossentropy_forward_kernel<<<cuda_grid(B), PT_THREADS>>>(probs, term, used, logits, labels, B, NL);
	LAUNCH_CHECK(crossentropy_forward_kernel);
	double *hterm = (double *)malloc(tbytes);
	int *hused = (int *)malloc(sizeof(int) * (size_t)B);
	if (!hterm || !hused)
		cuda_fail(__FILE__, __LINE__, "malloc", "out of memory");
	CUDA_CHECK(cudaMemcpy(hterm, term, tbytes, cudaMemcpyDeviceToHost));
	CUDA_CHECK(cudaMemcpy(hused, used, sizeof(int) * (size_t)B, cudaMemcpyDeviceToHost));
	double total = 0;
	int count = 0;
	for (int b = 0; b < B; b++)
		if (hused[b]) {
			total += hterm[b];
			count++;
		}
	free(hterm);
	free(hused);
	return count ? (float)(total / count) : NAN;
}

/* One thread per logit; each counts the labelled rows itself (B is small). */
static __global__ void crossentropy_backward_kernel(float *dlogits, const float *probs, const int32_t *labels,
						    int B, int NL)
{
	size_t n = (size_t)B * NL;
	size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	if (i >= n)
		return;
	int b = (int)(i / NL), j = (int)(i % NL);
	int count = 0;
	for (int r = 0; r < B; r++)
		count += labels[r] != -100;
	dlogits[i] = labels[b] == -100 ? 0.0f : (probs[i] - (j == labels[b])) / (float)count;
}

void cu_crossentropy_backward(float *dlogits, const float *probs, const int32_t *labels, int B, int NL)
{
	size_t n = (size_t)B * NL;
	if (!n)
		return;
	crossentropy_backward_kernel<<<(unsigned)((n + PT_THREADS - 1) / PT_THREADS), PT_THREADS>>>(dlogits, probs,
												labels, B, NL);
	LAUNCH_CHECK(crossentropy_backward_kernel);
}

struct sqdiff {
	const float *x, *y;
	__device__ double operator()(size_t i) const
	{
		double d = (double)x[i] - y[i];
		return d * d;
	}
};

float cu_mse_forward(const float *x, const float *y, int n)
{
	if (n <= 0)
		return NAN;
	return (float)(cuda_reduce_sum((size_t)n, sqdiff{x, y}) / n);
}

static __global__ void mse_backward_kernel(float *dx, const float *x, const float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		dx[i] = 2.0f * (x[i] - y[i]) / (float)n;
}

void cu_mse_backward(float *dx, const float *x, const float *y, int n)
{
	if (n <= 0)
		return;
	mse_backward_kernel<<<(unsigned)((n + PT_THREADS - 1) / PT_THREADS), PT_THREADS>>>(dx, x, y, n);
	LAUNCH_CHECK(mse_backward_kernel);
}
