/* bert: BertForSequenceClassification forward/backward over the backend
 * ops (lib/backend/backend.h). This file computes pointers and offsets only; every
 * tensor is read or written by an op.
 *
 * Padding is not computed. A batch's rows are padded to its longest one
 * (collate), but every layer but attention works on each token alone, and
 * the padding tokens reach neither the real tokens (attention gives them
 * weight exactly 0: exp(-FLT_MAX) underflows) nor the loss, so their
 * gradients are exactly 0 and Hugging Face's padded sums only add zeros.
 * The model therefore packs the N real tokens (those up to each row's last
 * unmasked one) into consecutive rows and runs the dense layers, LayerNorm,
 * GELU and dropout on those alone; attention, the embeddings' lookup and
 * the pooler run on the padded [B,T] layout, with zeros in the padding
 * rows (rows_scatter / rows_gather). On MRPC's batches of 8 that skips a
 * quarter of the work. A batch without padding runs unpacked. */
#include "bert.h"
#include "backend/backend.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parameters by name, as llm.c names them: pointers into the flat
 * parameter buffer (m->w) and, with the same layout, the gradient buffer
 * (m->g). Shapes in torch's layout: nn.Linear weights [out, in]. */
typedef struct {
	float *qw, *qb;         /* attention.self.query [C,C], [C] */
	float *kw, *kb;         /* attention.self.key */
	float *vw, *vb;         /* attention.self.value */
	float *aow, *aob;       /* attention.output.dense [C,C], [C] */
	float *ln1w, *ln1b;     /* attention.output.LayerNorm [C] */
	float *iw, *ib;         /* intermediate.dense [I,C], [I] */
	float *ow, *ob;         /* output.dense [C,I], [C] */
	float *ln2w, *ln2b;     /* output.LayerNorm [C] */
} layer_tensors;

typedef struct {
	float *wte, *wpe, *wtt; /* word [V,C], position [P,C], token type [TV,C] embeddings */
	float *elnw, *elnb;     /* embeddings.LayerNorm [C] */
	layer_tensors *layer;   /* [L] */
	float *poolw, *poolb;   /* pooler.dense [C,C], [C] */
	float *clsw, *clsb;     /* classifier [NL,C], [NL] */
} model_tensors;

/* The bf16 copies of a layer's nn.Linear weights (NULL when none) */
typedef struct {
	const uint16_t *qw, *kw, *vw, *aow, *iw, *ow;
} layer_w16;

/* tensors: in the embeddings, in each layer, in the pooler and classifier */
enum { NT_EMB = 5, NT_LAYER = sizeof(layer_tensors) / sizeof(float *), NT_HEAD = 4 };

/* Dropout sites: a site's mask is drawn from stream drop_stream(layer,
 * site) of the pass's seed, in the forward pass and again in the backward
 * one. The embeddings' dropout is site DROP_EMB of layer 0, the
 * classifier's site DROP_CLS of "layer L" (past the last one): every
 * stream is distinct. */
enum { DROP_EMB = 0, DROP_ATT = 1, DROP_ATT_OUT = 2, DROP_FFN_OUT = 3, DROP_CLS = 1, DROP_SITES = 3 };

static uint64_t drop_stream(int layer, int site)
{
	return (uint64_t)site + DROP_SITES * (uint64_t)layer;
}

/* Shapes: [N,C] is N packed token rows (N = BT when unpacked), [BT,C] the
 * padded batch [B,T,C]. */
typedef struct {            /* one encoder layer's activations */
	float *q, *k, *v;       /* [BT,C] projections (zero padding rows when packed) */
	float *att;             /* [B,NH,T,T] attention probabilities */
	float *ctx;             /* [N,C] attention output before the dense */
	float *res1;            /* [N,C] dropout(dense(ctx)) + x, LayerNorm 1 input */
	float *ln1_mean, *ln1_rstd; /* [N] */
	float *ln1;             /* [N,C] */
	float *pre;             /* [N,I] intermediate dense, before GELU (its output: m->act) */
	float *res2;            /* [N,C] dropout(dense(act)) + ln1, LayerNorm 2 input */
	float *ln2_mean, *ln2_rstd; /* [N] */
	float *ln2;             /* [N,C] the layer's output */
} layer_acts;

struct bert_model {
	bert_config cfg;          /* scalars only: id2label and json are NULL */
	const pt_backend *be;
	bert_param *params;
	size_t nparams;
	float *param_buf, *grad_buf; /* [nfloats] each */
	size_t nfloats;
	model_tensors w, g;       /* the parameters and their gradients by name */
	uint16_t *buf16;          /* the bf16 copies of the nn.Linear weights (bert_set_precision) */
	int w16_stale;            /* buf16 to be remade from the weights before the next forward */
	layer_w16 *lw16;          /* [L] their names; all NULL without copies */
	const uint16_t *poolw16, *clsw16;

	/* activations, carved from one buffer for the current (B, T, N) */
	float *act_buf;
	size_t act_cap;           /* floats */
	float *emb;               /* [N,C] embedding sum, LayerNorm input */
	float *emb_mean, *emb_rstd; /* [N] */
	float *x0;                /* [N,C] embeddings after LayerNorm and dropout */
	float *hpad;              /* [BT,C] the last layer's output, padded, for the pooler
	                             (packed only; else the last ln2 itself) */
	layer_acts *layers;       /* [L]; in evaluation all L share layer 0's buffers */
	float *att_drop;          /* [B,NH,T,T] the attention probabilities after dropout (== the
	                             layer's att when off): one buffer for all layers, made
	                             again from att and the same mask for each layer's backward */
	float *act;               /* [N,I] the GELU output: one buffer for all layers, made again
	                             from the layer's pre for each layer's backward */
	float *pooled;            /* [B,C] tanh(pooler) */
	float *pooled_drop;       /* [B,C] after dropout (== pooled when off) */
	float *logits;            /* [B,NL] */
	float *probs;             /* [B,NL] softmax, for cross-entropy backward */
	float *flabels;           /* [B] regression targets */
	/* backward scratch, carved from the same buffer */
	float *dA, *dB, *dS;      /* [N,C] residual-stream gradients and a dropout scratch */
	float *dctx, *dq, *dk, *dv; /* [BT,C] attention's gradients, padded; also the padded
	                               scratch of the forward pass (embeddings, context) */
	float *pq, *pk, *pv;      /* [N,C] packed scratch (packed only): the q, k, v products
	                             before rows_scatter, d(q, k, v) after rows_gather, and
	                             d(ctx) (in pq) before rows_scatter */
	float *datt;              /* [B,NH,T,T] */
	float *dact;              /* [N,I] */
	float *dpooled;           /* [B,C] */
	float *dlogits;           /* [B,NL] */

	int32_t *int_buf;         /* backend memory: ids, tt, mask [B,T], labels [B], rows [N] */
	size_t int_cap;
	int32_t *ids, *tt, *mask, *labels;
	int32_t *rows;            /* [N] the padded row (b*T + t) of each packed row */
	int32_t *host_ints;       /* host staging for the above */
	float *host_flabels;      /* [B] host staging */
	size_t host_cap;

	/* state of the last forward, for backward */
	int B, T, training, have_labels, regression;
	int N, packed;            /* token rows computed; packed: N < B*T */
	uint64_t seed;
	float p_hidden, p_att, p_cls;
	float loss_scale;         /* the loss gradient's factor in backward (1: none) */
};

static void add_param(bert_model *m, size_t *off, const char *name, int ndim, int64_t d0, int64_t d1)
{
	bert_param *p = &m->params[m->nparams++];
	if ((size_t)snprintf(p->name, sizeof p->name, "%s", name) >= sizeof p->name)
		pt_die("parameter name too long: %s", name);
	p->ndim = ndim;
	p->shape[0] = d0;
	p->shape[1] = ndim == 2 ? d1 : 0;
	p->numel = pt_mul_size((size_t)d0, ndim == 2 ? (size_t)d1 : 1, "model config: parameter count");
	size_t len = strlen(name);
	p->no_decay = (len >= 4 && strcmp(name + len - 4, "bias") == 0) || strstr(name, "LayerNorm") != NULL;
	p->data = (float *)(uintptr_t)*off;   /* offsets until the buffers exist */
	p->model = m;
	*off = pt_add_size(*off, p->numel, "model config: parameter count");
}

/* t's pointers at the parameters (grad 0) or their gradients (grad 1),
 * walking m->params in build_params' order. */
static void name_tensors(bert_model *m, model_tensors *t, int grad)
{
	const bert_param *p = m->params;
#define NEXT() (grad ? (p++)->grad : (p++)->data)
	t->wte = NEXT();
	t->wpe = NEXT();
	t->wtt = NEXT();
	t->elnw = NEXT();
	t->elnb = NEXT();
	t->layer = pt_calloc((size_t)m->cfg.num_hidden_layers + 1, sizeof(layer_tensors));
	for (int l = 0; l < m->cfg.num_hidden_layers; l++) {
		layer_tensors *lt = &t->layer[l];
		lt->qw = NEXT(); lt->qb = NEXT();
		lt->kw = NEXT(); lt->kb = NEXT();
		lt->vw = NEXT(); lt->vb = NEXT();
		lt->aow = NEXT(); lt->aob = NEXT();
		lt->ln1w = NEXT(); lt->ln1b = NEXT();
		lt->iw = NEXT(); lt->ib = NEXT();
		lt->ow = NEXT(); lt->ob = NEXT();
		lt->ln2w = NEXT(); lt->ln2b = NEXT();
	}
	t->poolw = NEXT();
	t->poolb = NEXT();
	t->clsw = NEXT();
	t->clsb = NEXT();
#undef NEXT
	if ((size_t)(p - m->params) != m->nparams)
		pt_die("bert: %zu tensors named, %zu built", (size_t)(p - m->params), m->nparams);
}

/* Every parameter tensor, in HF named_parameters() order (name_tensors
 * walks them in this order). */
static void build_params(bert_model *m)
{
	const bert_config *c = &m->cfg;
	int C = c->hidden_size, I = c->intermediate_size;
	char name[128];
	size_t off = 0;
	m->params = pt_calloc(NT_EMB + (size_t)NT_LAYER * c->num_hidden_layers + NT_HEAD, sizeof(bert_param));
	add_param(m, &off, "bert.embeddings.word_embeddings.weight", 2, c->vocab_size, C);
	add_param(m, &off, "bert.embeddings.position_embeddings.weight", 2, c->max_position_embeddings, C);
	add_param(m, &off, "bert.embeddings.token_type_embeddings.weight", 2, c->type_vocab_size, C);
	add_param(m, &off, "bert.embeddings.LayerNorm.weight", 1, C, 0);
	add_param(m, &off, "bert.embeddings.LayerNorm.bias", 1, C, 0);
	static const struct { const char *name; int out_i, in_i; } lin[] = {   /* 1 = C, 2 = I, 0 = 1-D */
		{ "attention.self.query", 1, 1 }, { "attention.self.key", 1, 1 }, { "attention.self.value", 1, 1 },
		{ "attention.output.dense", 1, 1 }, { "attention.output.LayerNorm", 1, 0 },
		{ "intermediate.dense", 2, 1 }, { "output.dense", 1, 2 }, { "output.LayerNorm", 1, 0 },
	};
	for (int l = 0; l < c->num_hidden_layers; l++)
		for (size_t j = 0; j < sizeof lin / sizeof lin[0]; j++) {
			int out = lin[j].out_i == 2 ? I : C, in = lin[j].in_i == 2 ? I : C;
			snprintf(name, sizeof name, "bert.encoder.layer.%d.%s.weight", l, lin[j].name);
			if (lin[j].in_i)
				add_param(m, &off, name, 2, out, in);
			else
				add_param(m, &off, name, 1, out, 0);
			snprintf(name, sizeof name, "bert.encoder.layer.%d.%s.bias", l, lin[j].name);
			add_param(m, &off, name, 1, out, 0);
		}
	add_param(m, &off, "bert.pooler.dense.weight", 2, C, C);
	add_param(m, &off, "bert.pooler.dense.bias", 1, C, 0);
	add_param(m, &off, "classifier.weight", 2, c->num_labels, C);
	add_param(m, &off, "classifier.bias", 1, c->num_labels, 0);
	m->nfloats = off;
	size_t bytes = pt_mul_size(sizeof(float), off, "model config: parameter bytes");
	m->param_buf = m->be->alloc(bytes);
	m->grad_buf = m->be->alloc(bytes);
	for (size_t i = 0; i < m->nparams; i++) {
		size_t o = (size_t)(uintptr_t)m->params[i].data;
		m->params[i].data = m->param_buf + o;
		m->params[i].grad = m->grad_buf + o;
	}
	name_tensors(m, &m->w, 0);
	name_tensors(m, &m->g, 1);
}

bert_model *bert_create(const bert_config *cfg)
{
	return bert_create_on(cfg, &pt_cpu_backend);
}

bert_model *bert_create_on(const bert_config *cfg, const pt_backend *be)
{
	const bert_config *c = cfg;
	if (c->vocab_size < 1 || c->hidden_size < 1 || c->num_hidden_layers < 0 || c->num_attention_heads < 1 ||
	    c->intermediate_size < 1 || c->max_position_embeddings < 1 || c->type_vocab_size < 1 || c->num_labels < 1)
		pt_die("model config: sizes must be positive");
	if (c->hidden_size % c->num_attention_heads)
		pt_die("model config: hidden_size %d is not a multiple of num_attention_heads %d",
		       c->hidden_size, c->num_attention_heads);
	bert_model *m = pt_calloc(1, sizeof *m);
	m->cfg = *cfg;
	m->cfg.id2label = NULL;
	m->cfg.json = NULL;
	m->be = be ? be : &pt_cpu_backend;
	m->loss_scale = 1.0f;
	m->layers = pt_calloc((size_t)c->num_hidden_layers + 1, sizeof(layer_acts));
	m->lw16 = pt_calloc((size_t)c->num_hidden_layers + 1, sizeof(layer_w16));
	build_params(m);
	return m;
}

void bert_free(bert_model *m)
{
	if (!m)
		return;
	m->be->release(m->param_buf);
	m->be->release(m->grad_buf);
	m->be->release(m->act_buf);
	m->be->release(m->int_buf);
	m->be->release(m->buf16);
	free(m->lw16);
	free(m->host_ints);
	free(m->host_flabels);
	free(m->layers);
	free(m->w.layer);
	free(m->g.layer);
	free(m->params);
	free(m);
}

size_t bert_param_count(const bert_model *m) { return m->nparams; }
bert_param *bert_param_at(bert_model *m, size_t i) { return i < m->nparams ? &m->params[i] : NULL; }
const pt_backend *bert_get_backend(const bert_model *m) { return m->be; }

bert_param *bert_param_find(bert_model *m, const char *name)
{
	for (size_t i = 0; i < m->nparams; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return &m->params[i];
	return NULL;
}

float *bert_params(bert_model *m, size_t *n)
{
	if (n)
		*n = m->nfloats;
	return m->param_buf;
}

float *bert_grads(bert_model *m, size_t *n)
{
	if (n)
		*n = m->nfloats;
	return m->grad_buf;
}

void bert_set_loss_scale(bert_model *m, float s)
{
	m->loss_scale = s;
}

/* nn.Linear weights: the 2-D parameters but the embedding tables */
static int is_linear_weight(const bert_param *p)
{
	return p->ndim == 2 && !strstr(p->name, "embeddings");
}

/* the bf16 copy of the parameter whose data is w (NULL: none) */
static const uint16_t *copy_of(const bert_model *m, const float *w)
{
	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i].data == w)
			return m->params[i].data16;
	return NULL;
}

void bert_set_precision(bert_model *m, pt_precision p)
{
	int want = p == PT_BF16 && m->be->bf16_weights;
	if (want == (m->buf16 != NULL))
		return;
	m->be->release(m->buf16);
	m->buf16 = NULL;
	size_t n16 = 0;
	for (size_t i = 0; i < m->nparams; i++)
		n16 += is_linear_weight(&m->params[i]) ? m->params[i].numel : 0;
	if (want)
		m->buf16 = m->be->alloc(sizeof(uint16_t) * n16);
	n16 = 0;
	for (size_t i = 0; i < m->nparams; i++) {
		bert_param *q = &m->params[i];
		q->data16 = want && is_linear_weight(q) ? m->buf16 + n16 : NULL;
		n16 += q->data16 ? q->numel : 0;
	}
	for (int l = 0; l < m->cfg.num_hidden_layers; l++) {
		const layer_tensors *lw = &m->w.layer[l];
		m->lw16[l] = (layer_w16){ copy_of(m, lw->qw), copy_of(m, lw->kw), copy_of(m, lw->vw),
					  copy_of(m, lw->aow), copy_of(m, lw->iw), copy_of(m, lw->ow) };
	}
	m->poolw16 = copy_of(m, m->w.poolw);
	m->clsw16 = copy_of(m, m->w.clsw);
	m->w16_stale = want;
}

void bert_params_changed(bert_model *m)
{
	m->w16_stale = m->buf16 != NULL;
}

/* remakes the bf16 copies from the weights when they are stale */
static void refresh_w16(bert_model *m)
{
	if (!m->w16_stale)
		return;
	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i].data16)
			m->be->round_bf16(m->params[i].data16, m->params[i].data, m->params[i].numel);
	m->w16_stale = 0;
}

void bert_grads_scale(bert_model *m, float s)
{
	m->be->scale(m->grad_buf, m->nfloats, s);
}

static void check_own(const bert_model *m, const bert_param *p, const char *fn)
{
	if (p->model != m)
		pt_die("%s: parameter '%s' is not one of the model's", fn, p->name);
}

void bert_param_get(bert_model *m, const bert_param *p, float *host)
{
	check_own(m, p, "bert_param_get");
	m->be->to_host(host, p->data, p->numel * sizeof(float));
}

void bert_param_set(bert_model *m, const bert_param *p, const float *host)
{
	check_own(m, p, "bert_param_set");
	bert_params_changed(m);
	m->be->to_device(p->data, host, p->numel * sizeof(float));
}

void bert_zero_grad(bert_model *m)
{
	m->be->fill(m->grad_buf, m->nfloats, 0.0f);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void bert_init_param(bert_param *p, const bert_config *c, uint64_t seed)
{
	/* Drawn on the host with the CPU backend, so every backend gets the
	 * same bits; written in place on the CPU, else copied in. */
	const pt_backend *be = &pt_cpu_backend;
	int on_cpu = p->model->be->is_host;
	float *x = on_cpu ? p->data : pt_malloc(p->numel * sizeof(float));
	if (strstr(p->name, "LayerNorm"))
		be->fill(x, p->numel, ends_with(p->name, ".weight") ? 1.0f : 0.0f);
	else if (ends_with(p->name, ".bias"))
		be->fill(x, p->numel, 0.0f);
	else {
		be->fill_normal(x, p->numel, 0.0f, c->initializer_range, seed, pt_hash_name(p->name));
		if (strstr(p->name, "word_embeddings") && c->pad_token_id >= 0 && c->pad_token_id < p->shape[0])
			be->fill(x + (size_t)c->pad_token_id * p->shape[1], p->shape[1], 0.0f);
	}
	if (!on_cpu) {
		bert_param_set(p->model, p, x);
		free(x);
	}
	bert_params_changed(p->model);
}

/* --- activation layout ---------------------------------------------------- */

typedef struct { float *base; size_t off; } carver;

/* n floats, rounded up to 64-byte aligned slices; the total is checked
 * (the sizes come from the batch and the config, both read from files) */
static float *carve(carver *cv, size_t n)
{
	float *p = cv->base ? cv->base + cv->off : NULL;
	cv->off = pt_add_size(cv->off, pt_add_size(n, 15, "activations") & ~(size_t)15, "activations");
	return p;
}

/* Training keeps every layer's activations for the backward pass;
 * evaluation (m->training == 0) runs all layers in one layer's buffers
 * (each layer's input is the previous layer's ln2, read before ln2 is
 * written again at the layer's end) and carves no backward scratch, so
 * predict holds 1/L of the activations. */
static void carve_all(bert_model *m, carver *cv, int B, int T, int N, int packed)
{
	const bert_config *c = &m->cfg;
	size_t BT = (size_t)B * T, NC = pt_mul_size((size_t)N, (size_t)c->hidden_size, "activations");
	size_t C = c->hidden_size, I = c->intermediate_size, NL = c->num_labels;
	size_t att = pt_mul_size(pt_mul_size(BT, (size_t)c->num_attention_heads, "attention"), (size_t)T, "attention");
	size_t BTC = pt_mul_size(BT, C, "activations"), NI = pt_mul_size((size_t)N, I, "activations");
	size_t BC = pt_mul_size((size_t)B, C, "activations"), BNL = pt_mul_size((size_t)B, NL, "activations");
	m->emb = carve(cv, NC);
	m->emb_mean = carve(cv, N);
	m->emb_rstd = carve(cv, N);
	m->x0 = carve(cv, NC);
	for (int l = 0; l < c->num_hidden_layers; l++) {
		layer_acts *a = &m->layers[l];
		if (l > 0 && !m->training) {
			*a = m->layers[0];
			continue;
		}
		a->q = carve(cv, BTC);
		a->k = carve(cv, BTC);
		a->v = carve(cv, BTC);
		a->att = carve(cv, att);
		a->ctx = carve(cv, NC);
		a->res1 = carve(cv, NC);
		a->ln1_mean = carve(cv, N);
		a->ln1_rstd = carve(cv, N);
		a->ln1 = carve(cv, NC);
		a->pre = carve(cv, NI);
		a->res2 = carve(cv, NC);
		a->ln2_mean = carve(cv, N);
		a->ln2_rstd = carve(cv, N);
		a->ln2 = carve(cv, NC);
	}
	m->att_drop = m->p_att > 0 ? carve(cv, att) : NULL;
	m->act = carve(cv, NI);
	m->hpad = packed ? carve(cv, BTC) : NULL;
	m->pooled = carve(cv, BC);
	m->pooled_drop = m->p_cls > 0 ? carve(cv, BC) : m->pooled;
	m->logits = carve(cv, BNL);
	m->probs = carve(cv, BNL);
	m->flabels = carve(cv, B);
	m->dctx = carve(cv, BTC);
	m->dq = carve(cv, BTC);
	m->dk = carve(cv, BTC);
	m->dv = carve(cv, BTC);
	m->pq = packed ? carve(cv, NC) : NULL;
	m->pk = packed ? carve(cv, NC) : NULL;
	m->pv = packed ? carve(cv, NC) : NULL;
	if (!m->training) {
		m->dA = m->dB = m->dS = m->datt = m->dact = m->dpooled = m->dlogits = NULL;
		return;
	}
	m->dA = carve(cv, NC);
	m->dB = carve(cv, NC);
	m->dS = carve(cv, NC);
	m->datt = carve(cv, att);
	m->dact = carve(cv, NI);
	m->dpooled = carve(cv, BC);
	m->dlogits = carve(cv, BNL);
}

/* Host staging for a B x T batch: ids, tt, mask [B,T], labels [B], rows [BT]. */
static void host_reserve(bert_model *m, int B, int T)
{
	size_t nint = (size_t)4 * B * T + (size_t)B;   /* B * T < 2^31: bert_forward */
	if (nint > m->host_cap) {
		m->host_ints = pt_realloc(m->host_ints, sizeof(int32_t) * nint);
		m->host_flabels = pt_realloc(m->host_flabels, sizeof(float) * B);
		m->host_cap = nint;
	}
}

/* The packed rows of batch b, into the host staging: each row's tokens up
 * to its last unmasked one (all T when none is masked, and when every one
 * is: a row of padding alone is computed as Hugging Face does, attending
 * to all of it). Returns N, their count. */
static int plan_rows(bert_model *m, const bert_batch *b)
{
	int32_t *rows = m->host_ints + (size_t)3 * b->B * b->T + b->B;
	int N = 0;
	for (int r = 0; r < b->B; r++) {
		int len = b->T;
		if (b->attention_mask) {
			const int32_t *mk = b->attention_mask + (size_t)r * b->T;
			while (len > 0 && !mk[len - 1])
				len--;
			if (len == 0)
				len = b->T;
		}
		for (int t = 0; t < len; t++)
			rows[N++] = r * b->T + t;
	}
	return N;
}

/* Points every activation at the buffer, growing it when (B, T, N) needs
 * more, and records the batch's shape (m->B, T, N, packed). */
static void layout(bert_model *m, int B, int T, int N)
{
	int packed = (size_t)N < (size_t)B * T;
	carver cv = { NULL, 0 };
	carve_all(m, &cv, B, T, N, packed);
	if (cv.off > m->act_cap) {
		m->be->release(m->act_buf);
		m->act_buf = m->be->alloc(pt_mul_size(sizeof(float), cv.off, "activations"));
		m->act_cap = cv.off;
	}
	cv = (carver){ m->act_buf, 0 };
	carve_all(m, &cv, B, T, N, packed);

	size_t nint = (size_t)3 * B * T + B + N;
	if (nint > m->int_cap) {
		m->be->release(m->int_buf);
		m->int_buf = m->be->alloc(sizeof(int32_t) * nint);
		m->int_cap = nint;
	}
	m->ids = m->int_buf;
	m->tt = m->ids + (size_t)B * T;
	m->mask = m->tt + (size_t)B * T;
	m->labels = m->mask + (size_t)B * T;
	m->rows = m->labels + B;
	m->B = B;
	m->T = T;
	m->N = N;
	m->packed = packed;
}

/* Checks the batch on the host and uploads ids, token types, mask, labels
 * and the packed rows (plan_rows, already staged). */
static void stage_inputs(bert_model *m, const bert_batch *b)
{
	const bert_config *c = &m->cfg;
	size_t BT = (size_t)b->B * b->T;
	int32_t *ids = m->host_ints, *tt = ids + BT, *mask = tt + BT, *labels = mask + BT;
	for (size_t i = 0; i < BT; i++) {
		ids[i] = b->input_ids[i];
		tt[i] = b->token_type_ids ? b->token_type_ids[i] : 0;
		mask[i] = b->attention_mask ? b->attention_mask[i] != 0 : 1;
		if (ids[i] < 0 || ids[i] >= c->vocab_size)
			pt_die("input_ids: row %zu: id %d outside the vocabulary (size %d)", i / b->T, ids[i], c->vocab_size);
		if (tt[i] < 0 || tt[i] >= c->type_vocab_size)
			pt_die("token_type_ids: row %zu: %d outside [0, %d)", i / b->T, tt[i], c->type_vocab_size);
	}
	m->have_labels = b->labels || b->float_labels;
	m->regression = c->num_labels == 1 || strcmp(c->problem_type, "regression") == 0;
	if (m->have_labels && m->regression) {
		if (c->num_labels != 1)
			pt_die("regression needs num_labels == 1 (have %d)", c->num_labels);
		for (int i = 0; i < b->B; i++)
			m->host_flabels[i] = b->float_labels ? b->float_labels[i] : (float)b->labels[i];
		m->be->to_device(m->flabels, m->host_flabels, sizeof(float) * b->B);
	} else if (m->have_labels) {
		if (!b->labels)
			pt_die("classification with %d labels needs integer labels", c->num_labels);
		for (int i = 0; i < b->B; i++) {
			labels[i] = b->labels[i];
			if (labels[i] != -100 && (labels[i] < 0 || labels[i] >= c->num_labels))
				pt_die("labels: row %d: label %d outside [0, %d)", i, labels[i], c->num_labels);
		}
	}
	m->be->to_device(m->int_buf, m->host_ints, sizeof(int32_t) * (3 * BT + (size_t)b->B + (size_t)m->N));
}

/* Packing (see the top of the file). VIA(m, scratch, t): where an op
 * writes what ends up in t in the other layout: scratch when the batch is
 * packed (then to_padded / to_packed moves it into t), t itself otherwise,
 * where both layouts are the same rows and the moves do nothing. */
#define VIA(m, scratch, t) ((m)->packed ? (scratch) : (t))

/* dst [BT,C] = the padded layout of the packed rows src [N,C] (zero padding rows) */
static void to_padded(const bert_model *m, float *dst, const float *src, int C)
{
	if (m->packed)
		m->be->rows_scatter(dst, src, m->rows, m->N, m->B * m->T, C);
}

/* dst [N,C] = the packed rows of the padded src [BT,C] */
static void to_packed(const bert_model *m, float *dst, const float *src, int C)
{
	if (m->packed)
		m->be->rows_gather(dst, src, m->rows, m->N, C);
}

float bert_forward(bert_model *m, const bert_batch *b, int training, uint64_t dropout_seed, float *logits)
{
	const bert_config *c = &m->cfg;
	const pt_backend *be = m->be;
	int B = b->B, T = b->T, C = c->hidden_size, I = c->intermediate_size, NH = c->num_attention_heads;
	int L = c->num_hidden_layers, NL = c->num_labels;
	if (B < 1 || T < 1)
		pt_die("empty batch (%d x %d)", B, T);
	if ((int64_t)B * T > INT32_MAX)   /* rows are indexed with int32 (plan_rows, the backends) */
		pt_die("batch of %d rows of %d tokens: over 2^31 - 1 tokens", B, T);
	if (T > c->max_position_embeddings)
		pt_die("sequence length %d exceeds max_position_embeddings %d", T, c->max_position_embeddings);
	m->training = training != 0;
	m->seed = dropout_seed;
	m->p_hidden = training ? c->hidden_dropout_prob : 0.0f;
	m->p_att = training ? c->attention_probs_dropout_prob : 0.0f;
	m->p_cls = training ? (c->classifier_dropout >= 0 ? c->classifier_dropout : c->hidden_dropout_prob) : 0.0f;
	host_reserve(m, B, T);
	int N = plan_rows(m, b);
	layout(m, B, T, N);
	stage_inputs(m, b);
	refresh_w16(m);
	const model_tensors *w = &m->w;
	float p_hid = m->p_hidden;

	/* the lookup on the padded batch; LayerNorm on the packed rows */
	be->embedding_forward(VIA(m, m->dctx, m->emb), m->ids, m->tt, w->wte, w->wpe, w->wtt, B, T, C);
	to_packed(m, m->emb, m->dctx, C);
	be->layernorm_forward(m->x0, m->emb_mean, m->emb_rstd, m->emb, w->elnw, w->elnb, N, C, c->layer_norm_eps);
	if (p_hid > 0)
		be->dropout_forward(m->x0, m->x0, NULL, (size_t)N * C, p_hid, dropout_seed, drop_stream(0, DROP_EMB));
	const float *x = m->x0;
	for (int l = 0; l < L; l++) {
		layer_acts *a = &m->layers[l];
		const layer_tensors *lw = &w->layer[l];
		const layer_w16 *l16 = &m->lw16[l];
		/* q, k, v on the packed rows, attention on the padded batch */
		be->matmul_forward(VIA(m, m->pq, a->q), x, lw->qw, l16->qw, lw->qb, N, C, C);
		be->matmul_forward(VIA(m, m->pk, a->k), x, lw->kw, l16->kw, lw->kb, N, C, C);
		be->matmul_forward(VIA(m, m->pv, a->v), x, lw->vw, l16->vw, lw->vb, N, C, C);
		to_padded(m, a->q, m->pq, C);
		to_padded(m, a->k, m->pk, C);
		to_padded(m, a->v, m->pv, C);
		be->attention_forward(VIA(m, m->dctx, a->ctx), a->att, m->att_drop ? m->att_drop : a->att,
				      a->q, a->k, a->v, m->mask,
				      B, T, C, NH, m->p_att, dropout_seed, drop_stream(l, DROP_ATT));
		to_packed(m, a->ctx, m->dctx, C);
		be->matmul_forward(a->res1, a->ctx, lw->aow, l16->aow, lw->aob, N, C, C);
		be->dropout_forward(a->res1, a->res1, x, (size_t)N * C, p_hid, dropout_seed, drop_stream(l, DROP_ATT_OUT));
		be->layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, a->res1, lw->ln1w, lw->ln1b, N, C,
				      c->layer_norm_eps);
		be->matmul_forward(a->pre, a->ln1, lw->iw, l16->iw, lw->ib, N, C, I);
		be->gelu_forward(m->act, a->pre, (size_t)N * I);
		be->matmul_forward(a->res2, m->act, lw->ow, l16->ow, lw->ob, N, I, C);
		be->dropout_forward(a->res2, a->res2, a->ln1, (size_t)N * C, p_hid, dropout_seed, drop_stream(l, DROP_FFN_OUT));
		be->layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, lw->ln2w, lw->ln2b, N, C,
				      c->layer_norm_eps);
		x = a->ln2;
	}
	/* the pooler reads each row's first token from the padded layout */
	to_padded(m, m->hpad, x, C);
	x = VIA(m, m->hpad, x);
	be->pooler_forward(m->pooled, x, w->poolw, m->poolw16, w->poolb, B, T, C);
	if (m->p_cls > 0)
		be->dropout_forward(m->pooled_drop, m->pooled, NULL, (size_t)B * C, m->p_cls, dropout_seed,
				    drop_stream(L, DROP_CLS));
	be->matmul_forward(m->logits, m->pooled_drop, w->clsw, m->clsw16, w->clsb, B, C, NL);
	if (logits)
		be->to_host(logits, m->logits, sizeof(float) * (size_t)B * NL);
	if (!m->have_labels)
		return NAN;
	if (m->regression)
		return be->mse_forward(m->logits, m->flabels, B);
	return be->crossentropy_forward(m->probs, m->logits, m->labels, B, NL);
}

void bert_backward(bert_model *m)
{
	const bert_config *c = &m->cfg;
	const pt_backend *be = m->be;
	if (!m->have_labels)
		pt_die("bert_backward: the last forward pass had no labels");
	if (!m->training)
		pt_die("bert_backward: the last forward pass was an evaluation (training = 0), which keeps no activations");
	int B = m->B, T = m->T, C = c->hidden_size, I = c->intermediate_size, NH = c->num_attention_heads;
	int L = c->num_hidden_layers, NL = c->num_labels;
	int N = m->N;
	float p_hid = m->p_hidden;
	uint64_t seed = m->seed;
	const model_tensors *w = &m->w, *g = &m->g;

	if (m->regression)
		be->mse_backward(m->dlogits, m->logits, m->flabels, B);
	else
		be->crossentropy_backward(m->dlogits, m->probs, m->labels, B, NL);
	if (m->loss_scale != 1.0f)
		be->scale(m->dlogits, (size_t)B * NL, m->loss_scale);
	be->matmul_backward(m->dpooled, g->clsw, g->clsb, m->dlogits, m->pooled_drop, w->clsw, m->clsw16, B, C, NL, 0);
	if (m->p_cls > 0)
		be->dropout_backward(m->dpooled, m->dpooled, (size_t)B * C, m->p_cls, seed, drop_stream(L, DROP_CLS));
	const float *h = VIA(m, m->hpad, L ? m->layers[L - 1].ln2 : m->x0);
	/* dA: gradient of the current layer's output (packed rows) */
	be->pooler_backward(VIA(m, m->dctx, m->dA), g->poolw, g->poolb, m->dpooled, h, m->pooled, w->poolw, m->poolw16,
			    B, T, C);
	to_packed(m, m->dA, m->dctx, C);
	for (int l = L - 1; l >= 0; l--) {
		layer_acts *a = &m->layers[l];
		const layer_tensors *lw = &w->layer[l], *lg = &g->layer[l];
		const layer_w16 *l16 = &m->lw16[l];
		const float *x = l ? m->layers[l - 1].ln2 : m->x0;
		/* feed-forward block: dB = d(res2), then += the path through the FFN = d(ln1) */
		be->layernorm_backward(m->dB, lg->ln2w, lg->ln2b, m->dA, a->res2, lw->ln2w, a->ln2_mean, a->ln2_rstd,
				       N, C);
		float *ds = m->dB;
		if (p_hid > 0) {
			be->dropout_backward(m->dS, m->dB, (size_t)N * C, p_hid, seed, drop_stream(l, DROP_FFN_OUT));
			ds = m->dS;
		}
		be->gelu_forward(m->act, a->pre, (size_t)N * I);   /* this layer's GELU output again: same bits */
		be->matmul_backward(m->dact, lg->ow, lg->ob, ds, m->act, lw->ow, l16->ow, N, I, C, 0);
		be->gelu_backward(m->dact, a->pre, m->dact, (size_t)N * I);
		be->matmul_backward(m->dB, lg->iw, lg->ib, m->dact, a->ln1, lw->iw, l16->iw, N, C, I, 1);
		/* attention block: dA = d(res1), then += the path through attention = d(x) */
		be->layernorm_backward(m->dA, lg->ln1w, lg->ln1b, m->dB, a->res1, lw->ln1w, a->ln1_mean, a->ln1_rstd,
				       N, C);
		ds = m->dA;
		if (p_hid > 0) {
			be->dropout_backward(m->dS, m->dA, (size_t)N * C, p_hid, seed, drop_stream(l, DROP_ATT_OUT));
			ds = m->dS;
		}
		/* d(ctx) on the packed rows, attention's backward on the padded batch
		 * (zero gradient on the padding rows), d(q, k, v) packed again */
		be->matmul_backward(VIA(m, m->pq, m->dctx), lg->aow, lg->aob, ds, a->ctx, lw->aow, l16->aow, N, C, C, 0);
		to_padded(m, m->dctx, m->pq, C);
		const float *att_drop = a->att;
		if (m->att_drop) {   /* this layer's dropped probabilities again: same mask, same bits */
			be->dropout_forward(m->att_drop, a->att, NULL, (size_t)B * NH * T * T, m->p_att, seed,
					    drop_stream(l, DROP_ATT));
			att_drop = m->att_drop;
		}
		be->attention_backward(m->dq, m->dk, m->dv, m->datt, m->dctx, a->att, att_drop, a->q, a->k, a->v,
				       B, T, C, NH, m->p_att, seed, drop_stream(l, DROP_ATT));
		to_packed(m, m->pq, m->dq, C);
		to_packed(m, m->pk, m->dk, C);
		to_packed(m, m->pv, m->dv, C);
		const float *dq = VIA(m, m->pq, m->dq), *dk = VIA(m, m->pk, m->dk), *dv = VIA(m, m->pv, m->dv);
		be->matmul_backward(m->dA, lg->qw, lg->qb, dq, x, lw->qw, l16->qw, N, C, C, 1);
		be->matmul_backward(m->dA, lg->kw, lg->kb, dk, x, lw->kw, l16->kw, N, C, C, 1);
		be->matmul_backward(m->dA, lg->vw, lg->vb, dv, x, lw->vw, l16->vw, N, C, C, 1);
	}
	if (p_hid > 0)
		be->dropout_backward(m->dA, m->dA, (size_t)N * C, p_hid, seed, drop_stream(0, DROP_EMB));
	be->layernorm_backward(m->dB, g->elnw, g->elnb, m->dA, m->emb, w->elnw, m->emb_mean, m->emb_rstd, N, C);
	/* the padding rows' gradient is zero: they add nothing to the tables */
	to_padded(m, m->dctx, m->dB, C);
	be->embedding_backward(g->wte, g->wpe, g->wtt, VIA(m, m->dctx, m->dB), m->ids, m->tt, c->pad_token_id,
			       B, T, C);
}
