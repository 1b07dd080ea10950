/* optim: AdamW, gradient clipping, linear schedule (see optim.h). */
#include "optim.h"
#include "backend/backend.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

static void init_on(adamw_state *s, size_t n, float weight_decay, const pt_backend *be)
{
	s->beta1 = 0.9f;
	s->beta2 = 0.999f;
	s->eps = 1e-8f;
	s->weight_decay = weight_decay;
	s->step = 0;
	s->n = n;
	s->be = be;
	s->m = be->alloc((n ? n : 1) * sizeof(float));   /* zeroed */
	s->v = be->alloc((n ? n : 1) * sizeof(float));
}

void adamw_init(adamw_state *s, size_t n, float weight_decay)
{
	init_on(s, n, weight_decay, &pt_cpu_backend);
}

void adamw_init_for(adamw_state *s, bert_model *model, float weight_decay)
{
	size_t n;
	bert_params(model, &n);
	init_on(s, n, weight_decay, bert_get_backend(model));
}

void adamw_get_moments(const adamw_state *s, float *m, float *v)
{
	if (m)
		s->be->to_host(m, s->m, s->n * sizeof(float));
	if (v)
		s->be->to_host(v, s->v, s->n * sizeof(float));
}

void adamw_set_moments(adamw_state *s, const void *m, const void *v)
{
	if (m)
		s->be->to_device(s->m, m, s->n * sizeof(float));
	if (v)
		s->be->to_device(s->v, v, s->n * sizeof(float));
}

void adamw_step(adamw_state *s, bert_model *model, float lr)
{
	adamw_step_scaled(s, model, lr, 1.0f);
}

void adamw_step_scaled(adamw_state *s, bert_model *model, float lr, float gscale)
{
	const pt_backend *be = bert_get_backend(model);
	size_t n;
	float *base = bert_params(model, &n);
	if (n != s->n)
		pt_die("adamw_step: optimizer state holds %zu parameters, the model %zu", s->n, n);
	if (be != s->be)
		pt_die("adamw_step: optimizer state is on the %s backend, the model on %s", s->be->name, be->name);
	s->step++;
	for (size_t i = 0; i < bert_param_count(model); i++) {
		bert_param *p = bert_param_at(model, i);
		size_t off = (size_t)(p->data - base);
		be->adamw_update(p->data, p->data16, p->grad, gscale, s->m + off, s->v + off, p->numel, lr, s->beta1, s->beta2, s->eps,
				 p->no_decay ? 0.0f : s->weight_decay, s->step);
	}
}

double grad_global_norm(bert_model *model)
{
	size_t n;
	float *g = bert_grads(model, &n);
	return sqrt(bert_get_backend(model)->sumsq(g, n));
}

float clip_factor(double norm, double max_norm)
{
	double coef = max_norm / (norm + 1e-6);
	return coef < 1.0 ? (float)coef : 1.0f;
}

double clip_grad_norm(bert_model *model, double max_norm)
{
	double total = grad_global_norm(model);
	float coef = clip_factor(total, max_norm);
	if (coef < 1.0f) {
		size_t n;
		float *g = bert_grads(model, &n);
		bert_get_backend(model)->scale(g, n, coef);
	}
	return total;
}

void grad_scaler_init(grad_scaler *s, int enabled)
{
	s->scale = enabled ? 65536.0f : 1.0f;
	s->good = 0;
	s->enabled = enabled;
}

int grad_scaler_update(grad_scaler *s, double scaled_norm)
{
	if (!s->enabled)
		return 1;
	if (!isfinite(scaled_norm)) {
		s->scale *= 0.5f;
		s->good = 0;
		return 0;
	}
	if (++s->good == 2000) {
		s->scale *= 2.0f;
		s->good = 0;
	}
	return 1;
}

double linear_schedule_lr(double base_lr, int64_t step, int64_t warmup, int64_t total)
{
	if (step < warmup)
		return base_lr * (double)step / (double)(warmup > 1 ? warmup : 1);
	/* differences in double: any int64 arguments, no overflow (exact below 2^53) */
	double span = (double)total - (double)warmup;
	double left = ((double)total - (double)step) / (span > 1 ? span : 1.0);
	return base_lr * (left > 0 ? left : 0.0);
}

void adamw_free(adamw_state *s)
{
	if (s->be) {
		s->be->release(s->m);
		s->be->release(s->v);
	}
	s->m = s->v = NULL;
	s->n = 0;
}
