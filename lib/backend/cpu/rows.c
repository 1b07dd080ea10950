/* CPU backend: packing the real tokens of a padded batch into consecutive
 * rows and back (bert.c runs the position-wise layers on the packed rows). */
#include "backend/cpu/ops.h"

#include <string.h>

void cpu_rows_gather(float *out, const float *inp, const int32_t *rows, int N, int C)
{
	#pragma omp parallel for schedule(static) if ((size_t)N * C >= (1 << 16))
	for (int i = 0; i < N; i++)
		memcpy(out + (size_t)i * C, inp + (size_t)rows[i] * C, sizeof(float) * C);
}

void cpu_rows_scatter(float *out, const float *inp, const int32_t *rows, int N, int M, int C)
{
	/* rows increase: the gaps before each packed row, and after the last,
	 * are the padding, zeroed as they come */
	#pragma omp parallel for schedule(static) if ((size_t)M * C >= (1 << 16))
	for (int i = 0; i < N; i++) {
		int gap0 = i ? rows[i - 1] + 1 : 0;
		memset(out + (size_t)gap0 * C, 0, sizeof(float) * C * (size_t)(rows[i] - gap0));
		memcpy(out + (size_t)rows[i] * C, inp + (size_t)i * C, sizeof(float) * C);
	}
	int tail = N ? rows[N - 1] + 1 : 0;
	memset(out + (size_t)tail * C, 0, sizeof(float) * C * (size_t)(M - tail));
}
