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
	float *m, *v;   /* [n] first/second moments, same layout as the params, in be's memory
	                   (device memory on CUDA: copy with adamw_get/set_moments) */
	size_t n;
	const struct pt_backend *be;   /* the backend that allocated m and v */
} adamw_state;

/* Allocates zeroed moments for n parameters on the CPU backend; betas
 * 0.9/0.999, eps 1e-8.
 * For tests (train uses adamw_init_for). */
void adamw_init(adamw_state *s, size_t n, float weight_decay);

/* The same for model's parameters, the moments allocated by the model's
 * backend (bert_get_backend). */
void adamw_init_for(adamw_state *s, bert_model *model, float weight_decay);

/* Host copies of the moments: m, v [s->n] floats each (either may be NULL).
 * set reads its sources as bytes: they need no float alignment (an mmap'd
 * safetensors file).
 * adamw_get_moments is for tests (checkpoints read the moments through pt_host_view). */
void adamw_get_moments(const adamw_state *s, float *m, float *v);
void adamw_set_moments(adamw_state *s, const void *m, const void *v);

/* One torch.optim.AdamW step at learning rate lr over the whole parameter
 * buffer of model (decoupled decay p -= lr*wd*p, then the bias-corrected
 * Adam update); parameters flagged no_decay get no decay. Increments step.
 * s->n must equal the model's parameter count.
 * For tests and bench/model (train uses adamw_step_scaled). */
void adamw_step(adamw_state *s, bert_model *model, float lr);

/* adamw_step with every gradient taken as g * gscale, rounded to float,
 * as clip_grad_norm's in-place scale would have left it (same bits), but
 * without writing the gradients: clipping and the update in one pass over
 * memory. gscale 1 is adamw_step. */
void adamw_step_scaled(adamw_state *s, bert_model *model, float lr, float gscale);

/* The global L2 norm of all gradients (clip_grad_norm_'s total), and the
 * factor clip_grad_norm_ scales them by: max_norm/(norm+1e-6) if < 1,
 * else 1 (also for max_norm infinite: no clipping). */
double grad_global_norm(bert_model *model);
float clip_factor(double norm, double max_norm);

/* torch.nn.utils.clip_grad_norm_(params, max_norm) over every gradient:
 * scales all grads by max_norm/(norm+1e-6) when that is < 1. Returns the
 * total L2 norm before clipping.
 * For tests and bench/model (train uses grad_global_norm and clip_factor). */
double clip_grad_norm(bert_model *model, double max_norm);

/* fp16 dynamic loss scaling, as torch.cuda.amp.GradScaler with its
 * defaults (the Trainer's fp16=True): the loss gradient is multiplied by
 * scale (2^16 at first; 1 when disabled); a step whose scaled gradient norm
 * is inf or NaN is skipped and halves the scale, and 2000 finite steps in a
 * row double it. */
typedef struct {
	float scale;
	int64_t good;      /* finite steps since the scale last changed */
	int enabled;
} grad_scaler;

void grad_scaler_init(grad_scaler *s, int enabled);
/* After a backward pass at s->scale, with the global norm of the scaled
 * gradients: returns 1 when the optimizer step is to be taken, 0 to skip
 * it, and updates the scale for the next step. Disabled: always 1. */
int grad_scaler_update(grad_scaler *s, double scaled_norm);

/* get_linear_schedule_with_warmup: the lr used for optimizer step `step`
 * (0-based): base*step/warmup during warm-up, then linear decay to 0 at
 * `total`. Defined for any int64 arguments (no overflow). */
double linear_schedule_lr(double base_lr, int64_t step, int64_t warmup, int64_t total);

/* Frees the moments (through the backend that allocated them). */
void adamw_free(adamw_state *s);

#endif
