/* checkpoint: load/save Hugging Face model folders. */
#include "checkpoint.h"
#include "ckpt_dir.h"
#include "backend/backend.h"
#include "backend/device.h"
#include "safetensors.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The message's one-liner: the Python command that converts a folder's
 * pytorch_model.bin to model.safetensors. */
static const char ckpt_convert_hint[] =
	"python3 -c \"import sys,torch; from safetensors.torch import save_file; d=sys.argv[1]; "
	"sd=torch.load(d+'/pytorch_model.bin',map_location='cpu'); "
	"save_file({k:v.contiguous().clone() for k,v in sd.items()},d+'/model.safetensors',"
	"metadata={'format':'pt'})\" DIR";

static int file_exists(const char *dir, const char *name)
{
	char *p = pt_path_join(dir, name);
	struct stat st;
	int ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Buffers transformers registers but never loads or reports. */
static int is_buffer(const char *name)
{
	return ends_with(name, "embeddings.position_ids") || ends_with(name, "embeddings.token_type_ids");
}

/* The model name for checkpoint name ck: "bert." added for a bare BertModel,
 * LayerNorm gamma/beta renamed weight/bias as transformers does. */
static void model_name(char *out, size_t n, const char *ck, int bare)
{
	snprintf(out, n, "%s%s", bare ? "bert." : "", ck);
	size_t len = strlen(out);
	if (strstr(out, "LayerNorm") && ends_with(out, ".gamma"))
		snprintf(out + len - 6, n - (len - 6), ".weight");
	else if (strstr(out, "LayerNorm") && ends_with(out, ".beta"))
		snprintf(out + len - 5, n - (len - 5), ".bias");
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape)
{
	size_t k = (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < ndim && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
	if (k < n)
		snprintf(buf + k, n - k, "]");
}

/* A growing ", "-separated list for the report lines. */
typedef struct {
	char *s;
	size_t len, cap, count;
} name_list;

static void list_add(name_list *l, const char *name)
{
	size_t need = l->len + strlen(name) + 3;
	if (need > l->cap) {
		l->cap = need * 2;
		l->s = pt_realloc(l->s, l->cap);
	}
	l->len += (size_t)sprintf(l->s + l->len, "%s%s", l->count ? ", " : "", name);
	l->count++;
}

/* The checkpoint's tensors (mmap'd: nothing is read or allocated for the
 * data); *bare when no name has the "bert." prefix. */
static st_file *open_checkpoint(const char *model_dir, int *bare)
{
	struct stat st;
	if (stat(model_dir, &st) != 0)
		pt_die("%s: cannot open model: %s", model_dir, strerror(errno));
	if (S_ISDIR(st.st_mode) && !file_exists(model_dir, "model.safetensors") &&
	    !file_exists(model_dir, "model.safetensors.index.json") && file_exists(model_dir, "pytorch_model.bin"))
		pt_die("%s: has only pytorch_model.bin (a pickle, which pipetune does not read); convert it once "
		       "with: %s",
		       model_dir, ckpt_convert_hint);
	st_file *f = st_open(model_dir);
	*bare = 1;
	for (size_t i = 0; i < st_count(f); i++)
		if (starts_with(st_at(f, i)->name, "bert."))
			*bare = 0;
	return f;
}

/* The shape config c gives the model parameter `name` (BertForSequence-
 * Classification's naming, lib/bert.c); returns its ndim, or 0 when the
 * model has no such parameter (a layer beyond num_hidden_layers, say). */
static int config_shape(const bert_config *c, const char *name, int64_t shape[2])
{
	int64_t C = c->hidden_size, I = c->intermediate_size;
	static const struct { const char *suffix; int rows, cols; } tab[] = {   /* 1 = C, 2 = I, 3 = V, 4 = P,
										   5 = type vocab, 6 = labels */
		{"bert.embeddings.word_embeddings.weight", 3, 1}, {"bert.embeddings.position_embeddings.weight", 4, 1},
		{"bert.embeddings.token_type_embeddings.weight", 5, 1}, {"bert.embeddings.LayerNorm.weight", 1, 0},
		{"bert.embeddings.LayerNorm.bias", 1, 0}, {"bert.pooler.dense.weight", 1, 1},
		{"bert.pooler.dense.bias", 1, 0}, {"classifier.weight", 6, 1}, {"classifier.bias", 6, 0},
		/* per layer, after "bert.encoder.layer.N." */
		{"attention.self.query.weight", 1, 1}, {"attention.self.query.bias", 1, 0},
		{"attention.self.key.weight", 1, 1}, {"attention.self.key.bias", 1, 0},
		{"attention.self.value.weight", 1, 1}, {"attention.self.value.bias", 1, 0},
		{"attention.output.dense.weight", 1, 1}, {"attention.output.dense.bias", 1, 0},
		{"attention.output.LayerNorm.weight", 1, 0}, {"attention.output.LayerNorm.bias", 1, 0},
		{"intermediate.dense.weight", 2, 1}, {"intermediate.dense.bias", 2, 0},
		{"output.dense.weight", 1, 2}, {"output.dense.bias", 1, 0},
		{"output.LayerNorm.weight", 1, 0}, {"output.LayerNorm.bias", 1, 0},
	};
	const int64_t dim[] = {0, C, I, c->vocab_size, c->max_position_embeddings, c->type_vocab_size, c->num_labels};
	size_t first = 0, end = 9;
	int layer, at = 0;
	if (sscanf(name, "bert.encoder.layer.%d.%n", &layer, &at) == 1 && at > 0) {
		if (layer < 0 || layer >= c->num_hidden_layers)
			return 0;
		name += at;
		first = 9;
		end = sizeof tab / sizeof tab[0];
	}
	for (size_t i = first; i < end; i++)
		if (strcmp(name, tab[i].suffix) == 0) {
			shape[0] = dim[tab[i].rows];
			shape[1] = tab[i].cols ? dim[tab[i].cols] : 0;
			return tab[i].cols ? 2 : 1;
		}
	return 0;
}

/* Dies unless every tensor of f that the model has fits the config's
 * shape, and f holds as many encoder layers as the config asks for: a
 * checkpoint whose layers are missing is for another model, not one to
 * complete with fresh weights. Reads headers only: run before the model's
 * memory is allocated, an absurd config is refused here. */
static void check_fits(const st_file *f, int bare, const bert_config *c, const char *model_dir)
{
	int64_t layers = 0;
	for (size_t i = 0; i < st_count(f); i++) {
		const st_tensor *t = st_at(f, i);
		if (is_buffer(t->name))
			continue;
		char name[256];
		model_name(name, sizeof name, t->name, bare);
		int l, at = 0;
		if (sscanf(name, "bert.encoder.layer.%d.%n", &l, &at) == 1 && at > 0 && l >= 0 && l >= layers)
			layers = (int64_t)l + 1;
		int64_t shape[2];
		int ndim = config_shape(c, name, shape);
		if (!ndim)
			continue;
		int fits = t->ndim == ndim;
		for (int d = 0; fits && d < ndim; d++)
			fits = t->shape[d] == shape[d];
		if (!fits) {
			char a[128], b[128];
			shape_str(a, sizeof a, t->ndim, t->shape);
			shape_str(b, sizeof b, ndim, shape);
			pt_die("%s: tensor '%s' has shape %s but the config needs %s%s", model_dir, t->name, a, b,
			       starts_with(name, "classifier.") ? " (a head for another number of labels: set num_labels "
								  "to match, or drop the classifier tensors)"
								: "");
		}
		if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16 && t->dtype != ST_F64)
			pt_die("%s: tensor '%s' has dtype %s, expected a floating-point type", model_dir, t->name,
			       st_dtype_name(t->dtype));
	}
	if (layers < c->num_hidden_layers)
		pt_die("%s: the checkpoint has %lld encoder layer%s, the config %d (num_hidden_layers): the "
		       "checkpoint does not fit the config", model_dir, (long long)layers, layers == 1 ? "" : "s",
		       c->num_hidden_layers);
}

void checkpoint_check(const bert_config *c, const char *model_dir)
{
	int bare;
	st_file *f = open_checkpoint(model_dir, &bare);
	check_fits(f, bare, c, model_dir);
	st_close(f);
}

int checkpoint_has_head(const char *model_dir)
{
	int bare, has = 0;
	st_file *f = open_checkpoint(model_dir, &bare);
	for (size_t i = 0, n = st_count(f); i < n && !has; i++)
		has = strcmp(st_at(f, i)->name, "classifier.weight") == 0;
	st_close(f);
	return has;
}

void checkpoint_load(bert_model *m, const bert_config *c, const char *model_dir, uint64_t seed)
{
	int bare;
	st_file *f = open_checkpoint(model_dir, &bare);
	check_fits(f, bare, c, model_dir);
	size_t n = st_count(f), np = bert_param_count(m);
	char *loaded = pt_calloc(np, 1);
	/* host staging for a device backend; on the CPU, tensors are converted in place */
	int on_cpu = bert_get_backend(m)->is_host;
	float *host = NULL;
	size_t host_cap = 0;
	name_list unused = {0}, fresh = {0};
	for (size_t i = 0; i < n; i++) {
		const st_tensor *t = st_at(f, i);
		if (is_buffer(t->name))
			continue;
		char name[256];
		model_name(name, sizeof name, t->name, bare);
		bert_param *p = bert_param_find(m, name);
		if (!p) {
			list_add(&unused, t->name);
			continue;
		}
		if (st_numel(t) != p->numel)   /* check_fits saw c; this guards a model made from another */
			pt_die("%s: tensor '%s': %zu values, the model's '%s' %zu", model_dir, t->name, st_numel(t),
			       p->name, p->numel);
		if (on_cpu) {
			st_to_f32(t, p->data);
		} else {
			if (p->numel > host_cap) {
				free(host);
				host = pt_malloc(p->numel * sizeof(float));
				host_cap = p->numel;
			}
			st_to_f32(t, host);
			bert_param_set(m, p, host);
		}
		st_drop_pages(t);   /* converted: not resident twice */
		loaded[p - bert_param_at(m, 0)] = 1;
	}
	bert_params_changed(m);   /* written straight into p->data above */
	for (size_t i = 0; i < np; i++) {
		if (loaded[i])
			continue;
		bert_param *p = bert_param_at(m, i);
		bert_init_param(p, c, seed);
		list_add(&fresh, p->name);
	}
	if (unused.count)
		pt_warn("some weights of the checkpoint at %s were not used when initializing "
			"BertForSequenceClassification: %s",
			model_dir, unused.s);
	if (fresh.count)
		pt_warn("some weights of BertForSequenceClassification were not initialized from the checkpoint at "
			"%s and are newly initialized (seed %llu): %s; train the model before using its predictions",
			model_dir, (unsigned long long)seed, fresh.s);
	free(unused.s);
	free(fresh.s);
	free(host);
	free(loaded);
	st_close(f);
}

static const char *const tokenizer_files[] = {"vocab.txt", "tokenizer.json", "tokenizer_config.json",
					      "special_tokens_map.json"};

void checkpoint_write(bert_model *m, const bert_config *c, const char *dir, const char *src_model_dir)
{
	size_t np = bert_param_count(m);
	st_out *o = pt_calloc(np, sizeof *o);
	/* the parameter buffer on the host (a copy on a device backend), same offsets */
	size_t nf;
	float *base = bert_params(m, &nf), *copy;
	const float *host = pt_host_view(bert_get_backend(m), base, nf, &copy);
	for (size_t i = 0; i < np; i++) {
		bert_param *p = bert_param_at(m, i);
		o[i].name = p->name;
		o[i].dtype = ST_F32;
		o[i].ndim = p->ndim;
		o[i].shape[0] = p->shape[0];
		o[i].shape[1] = p->shape[1];
		o[i].data = host + (p->data - base);
	}
	char *path = pt_path_join(dir, "model.safetensors");
	st_save(path, o, np);
	free(path);
	free(o);
	free(copy);
	path = pt_path_join(dir, "config.json");
	bert_config_save(c, path);
	free(path);
	if (src_model_dir)
		for (size_t i = 0; i < sizeof tokenizer_files / sizeof tokenizer_files[0]; i++)
			ckpt_copy_file(src_model_dir, dir, tokenizer_files[i]);
}

void checkpoint_save(bert_model *m, const bert_config *c, const char *out_dir, const char *src_model_dir)
{
	char *tmp = ckpt_dir_begin(out_dir);
	checkpoint_write(m, c, tmp, src_model_dir);
	ckpt_dir_commit(tmp, out_dir, NULL);
	free(tmp);
}
