/* CPU backend: cross-entropy and MSE losses (means over the batch). */
#include "backend/cpu/ops.h"

#include <math.h>

float cpu_crossentropy_forward(float *probs, const float *logits, const int32_t *labels, int B, int NL)
{
	double total = 0;
	int count = 0;
	for (int b = 0; b < B; b++) {
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
		if (labels[b] == -100)
			continue;
		total += -((double)z[labels[b]] - mx - log(sum));
		count++;
	}
	return count ? (float)(total / count) : NAN;
}

void cpu_crossentropy_backward(float *dlogits, const float *probs, const int32_t *labels, int B, int NL)
{
	int count = 0;
	for (int b = 0; b < B; b++)
		count += labels[b] != -100;
	for (int b = 0; b < B; b++) {
		float *d = dlogits + (size_t)b * NL;
		const float *pr = probs + (size_t)b * NL;
		for (int j = 0; j < NL; j++)
			d[j] = labels[b] == -100 ? 0.0f : (pr[j] - (j == labels[b])) / (float)count;
	}
}

float cpu_mse_forward(const float *x, const float *y, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
	return (float)(s / n);
}

void cpu_mse_backward(float *dx, const float *x, const float *y, int n)
{
	for (int i = 0; i < n; i++)
		dx[i] = 2.0f * (x[i] - y[i]) / (float)n;
}
