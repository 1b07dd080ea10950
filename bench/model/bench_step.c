/* bench_step: one bert-base-shaped training step (zero_grad, forward with
 * dropout, backward, clip_grad_norm(1.0), adamw_step) and predict
 * throughput (eval forward) on the CPU backend, random init, random ids.
 * Prints one "key value" per line. Built by bench/model/run.sh against
 * build/libpipetune.a; not part of `make all`.
 *
 *   bench_step [--steps N] [--warmup W] [--batches P] [--layers L] [--shape S]
 *              [--precision fp32|bf16] [--peak]
 *
 * --shape base (bert-base-uncased: 12 layers, hidden 768, 12 heads, 3072)
 * or minilm (all-MiniLM-L6-v2, the demo's model: 6 layers, hidden 384,
 * 12 heads, 1536); --layers overrides the layer count. --precision bf16
 * runs the matrix products as train --precision bf16 does (oneDNN, bf16
 * operands, fp32 accumulation; bert_set_precision).
 */
#include "backend/device.h"
#include "bert.h"
#include "config.h"
#include "optim.h"
#include "runtime_env.h"
#include "util.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *x, int n)
{
	qsort(x, (size_t)n, sizeof *x, cmp_d);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static double peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;   /* kB on Linux */
}

/* GEMM FLOPs of one forward (fwd) at B x T: 2 m n k per product. */
static double gemm_flops_fwd(const bert_config *c, int B, int T)
{
	double N = (double)B * T, C = c->hidden_size, FF = c->intermediate_size, L = c->num_hidden_layers;
	double hd = C / c->num_attention_heads, NH = c->num_attention_heads;
	double per_layer = 2 * N * C * C * 4        /* q, k, v, attention output */
			 + 2 * N * C * FF * 2       /* intermediate, output */
			 + 2 * (double)B * NH * T * T * hd * 2;   /* q k^T, att v */
	return L * per_layer + 2.0 * B * C * C + 2.0 * B * C * c->num_labels;
}

/* Achieved GFLOP/s of one n^3 sgemm, best of reps. */
static double sgemm_peak(int n, int reps)
{
	float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
	for (size_t i = 0; i < (size_t)n * n; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	double best = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = pt_now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
		double g = 2.0 * n * n * n / (pt_now() - t0) / 1e9;
		best = g > best ? g : best;
	}
	free(a);
	free(b);
	free(c);
	return best;
}

int main(int argc, char **argv)
{
	pt_runtime_env(argv);   /* as train and predict: the OpenMP wait policy, OpenBLAS's kernels */
	int steps = 10, warmup = 2, batches = 10, layers = 0, peak = 0, B = 8, T = 72;
	const char *shape = "base", *precision = "fp32";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--batches") && i + 1 < argc) batches = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--shape") && i + 1 < argc) shape = argv[++i];
		else if (!strcmp(argv[i], "--precision") && i + 1 < argc) precision = argv[++i];
		else if (!strcmp(argv[i], "--peak")) peak = 1;
		else {
			fprintf(stderr, "usage: bench_step [--steps N] [--warmup W] [--batches P] [--layers L] "
				"[--shape base|minilm] [--precision fp32|bf16] [--peak]\n");
			return 2;
		}
	}
	if (peak) {
		printf("sgemm_2048_gflops %.1f\n", sgemm_peak(2048, 5));
		return 0;
	}

	bert_config c = {0};
	c.vocab_size = 30522;
	c.num_attention_heads = 12;
	if (!strcmp(shape, "base")) {
		c.hidden_size = 768;
		c.num_hidden_layers = 12;
		c.intermediate_size = 3072;
	} else if (!strcmp(shape, "minilm")) {
		c.hidden_size = 384;
		c.num_hidden_layers = 6;
		c.intermediate_size = 1536;
	} else {
		fprintf(stderr, "bench_step: --shape: expected base or minilm, got '%s'\n", shape);
		return 2;
	}
	if (layers > 0)
		c.num_hidden_layers = layers;
	layers = c.num_hidden_layers;
	c.max_position_embeddings = 512;
	c.type_vocab_size = 2;
	c.num_labels = 2;
	c.pad_token_id = 0;
	c.layer_norm_eps = 1e-12f;
	c.hidden_dropout_prob = 0.1f;
	c.attention_probs_dropout_prob = 0.1f;
	c.classifier_dropout = -1;
	c.initializer_range = 0.02f;

	pt_precision prec = pt_precision_parse(precision);
	const pt_backend *be = pt_device_open(PT_DEVICE_CPU, prec, 0);
	bert_model *m = bert_create_on(&c, be);
	bert_set_precision(m, prec);
	for (size_t i = 0; i < bert_param_count(m); i++)
		bert_init_param(bert_param_at(m, i), &c, 42);
	adamw_state opt;
	adamw_init_for(&opt, m, 0.01f);

	int32_t *ids = malloc(sizeof(int32_t) * B * T), *tt = calloc((size_t)B * T, sizeof(int32_t));
	int32_t *mask = malloc(sizeof(int32_t) * B * T), labels[8];
	uint64_t s = 12345;
	for (int i = 0; i < B * T; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		ids[i] = 1000 + (int)((s >> 33) % 29000);
		mask[i] = 1;
	}
	for (int b = 0; b < B; b++)
		labels[b] = b & 1;
	bert_batch batch = {B, T, ids, tt, mask, labels, NULL};

	int n = warmup + steps;
	double *ts = malloc(sizeof(double) * (n + batches + 1));
	double *part[5];   /* zero_grad, forward, backward, clip, adamw */
	for (int j = 0; j < 5; j++)
		part[j] = malloc(sizeof(double) * n);
	float loss = 0;
	for (int i = 0; i < n; i++) {
		double t[6];
		t[0] = pt_now();
		bert_zero_grad(m);
		t[1] = pt_now();
		loss = bert_forward(m, &batch, 1, 1000 + (uint64_t)i, NULL);
		t[2] = pt_now();
		bert_backward(m);
		t[3] = pt_now();
		float coef = clip_factor(grad_global_norm(m), 1.0);   /* as train does */
		t[4] = pt_now();
		adamw_step_scaled(&opt, m, 2e-5f, coef);
		t[5] = pt_now();
		ts[i] = t[5] - t[0];
		for (int j = 0; j < 5; j++)
			part[j][i] = t[j + 1] - t[j];
	}
	double step_s = median(ts + warmup, steps);
	static const char *pname[5] = {"zero_grad", "forward", "backward", "clip", "adamw"};
	for (int j = 0; j < 5; j++) {
		printf("part_%s_ms %.1f\n", pname[j], median(part[j] + warmup, steps) * 1e3);
		free(part[j]);
	}
	double fwd = gemm_flops_fwd(&c, B, T);
	/* backward: two products per forward product, except the first layer's
	 * input gradient of the embeddings (none needed; counted anyway) */
	double step_flops = 3 * fwd;
	double rss_train = peak_rss_mb();

	float logits[16];
	bert_forward(m, &batch, 0, 0, logits);   /* warm-up */
	for (int i = 0; i < batches; i++) {
		double t0 = pt_now();
		bert_forward(m, &batch, 0, 0, logits);
		ts[i] = pt_now() - t0;
	}
	double pred_s = median(ts, batches);

	printf("shape %s\nlayers %d\nbatch %dx%d\nblas_core %s\nprecision %s\n", shape, layers, B, T,
	       openblas_get_corename(), pt_precision_name(prec));
	printf("step_ms %.1f\n", step_s * 1e3);
	printf("step_examples_per_s %.2f\n", B / step_s);
	printf("loss_last %.4f\n", loss);
	printf("step_gemm_gflop %.2f\n", step_flops / 1e9);
	printf("step_gemm_gflops %.1f\n", step_flops / step_s / 1e9);
	printf("predict_batch_ms %.1f\n", pred_s * 1e3);
	printf("predict_examples_per_s %.1f\n", B / pred_s);
	printf("predict_gemm_gflops %.1f\n", fwd / pred_s / 1e9);
	printf("peak_rss_train_mb %.1f\n", rss_train);
	printf("peak_rss_mb %.1f\n", peak_rss_mb());
	free(ts);
	free(ids);
	free(tt);
	free(mask);
	adamw_free(&opt);
	bert_free(m);
	return 0;
}
