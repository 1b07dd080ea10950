/* optim: AdamW, gradient clipping and the linear warm-up/decay schedule,
 * matching torch.optim.AdamW, torch.nn.utils.clip_grad_norm_ and
 * transformers.get_linear_schedule_with_warmup. */
#ifndef PT_OPTIM_H
#define PT_OPTIM_H

#include <stddef.h>
#include <stdint.h>
#include "bert.h"

typedef struct {
	float beta1, beta2, eps, weight_decay;
	int64_t step;   /* optimizer steps taken so far */
	float *m, *v;   /* [n] first/second moments, same layout as the params */
	size_t n;
} adamw_state;

/* Allocates zeroed moments for n parameters; betas 0.9/0.999, eps 1e-8. */
void adamw_init(adamw_state *s, size_t n, float weight_decay);

/* One torch.optim.AdamW step at learning rate lr over the whole parameter
 * buffer of model (decoupled decay p -= lr*wd*p, then the bias-corrected
 * Adam update); parameters flagged no_decay get no decay. Increments step.
 * s->n must equal the model's parameter count. */
void adamw_step(adamw_state *s, bert_model *model, float lr);

/* torch.nn.utils.clip_grad_norm_(params, max_norm) over every gradient:
 * scales all grads by max_norm/(norm+1e-6) when that is < 1. Returns the
 * total L2 norm before clipping. */
double clip_grad_norm(bert_model *model, double max_norm);

/* get_linear_schedule_with_warmup: the lr used for optimizer step `step`
 * (0-based): base*step/warmup during warm-up, then linear decay to 0 at
 * `total`. */
double linear_schedule_lr(double base_lr, int64_t step, int64_t warmup, int64_t total);

/* Frees the moments. */
void adamw_free(adamw_state *s);

#endif
