/* CPU backend: BERT embeddings (word + token type + position). */
#include "backend/cpu/ops.h"

void cpu_embedding_forward(float *out, const int32_t *ids, const int32_t *tt,
			   const float *wte, const float *wpe, const float *wtt, int B, int T, int C)
{
	#pragma omp parallel for schedule(static)
	for (int bt = 0; bt < B * T; bt++) {
		int t = bt % T;
		const float *we = wte + (size_t)ids[bt] * C;
		const float *te = wtt + (size_t)tt[bt] * C;
		const float *pe = wpe + (size_t)t * C;
		float *o = out + (size_t)bt * C;
		for (int c = 0; c < C; c++)
			o[c] = (we[c] + te[c]) + pe[c];   /* HF's order: inputs + token_type, += position */
	}
}

void cpu_embedding_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
			    const int32_t *ids, const int32_t *tt, int pad_id, int B, int T, int C)
{
	/* parallel over channel blocks: rows of the same id never race */
	#pragma omp parallel for schedule(static)
	for (int c0 = 0; c0 < C; c0 += 64) {
		int c1 = c0 + 64 < C ? c0 + 64 : C;
		for (int bt = 0; bt < B * T; bt++) {
			const float *d = dout + (size_t)bt * C;
			float *pe = dwpe + (size_t)(bt % T) * C;
			float *te = dwtt + (size_t)tt[bt] * C;
			for (int c = c0; c < c1; c++) {
				pe[c] += d[c];
				te[c] += d[c];
			}
			if (ids[bt] != pad_id) {
				float *we = dwte + (size_t)ids[bt] * C;
				for (int c = c0; c < c1; c++)
					we[c] += d[c];
			}
		}
	}
}
