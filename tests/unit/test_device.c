/* --device: pt_device_parse, pt_device_select (lib/backend/device.c) and the model on a chosen
 * backend: bert_create_on, bert_param_get/set, bert_grads_scale,
 * adamw_init_for and the moments' host copies, checkpoints through a
 * backend. compare_backend() runs the tiny fixture model on a backend
 * against the CPU reference: in-process with the CPU backend (so the
 * harness runs everywhere, under the sanitizers too), and in a forked child
 * with CUDA when this build has it and a device is visible. Everything that
 * touches the CUDA runtime runs in a forked child, so the parent never
 * initializes it. */
#include "test_bert_common.h"
#include "backend/backend.h"
#include "checkpoint.h"
#include "backend/device.h"
#include "optim.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* the CUDA driver maps memory where ASan's shadow gap would be (see
 * tests/cli/cuda_ops.sh); ASAN_OPTIONS from the environment still apply */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "protect_shadow_gap=0"; }
#endif

/* prints and counts a failed comparison (usable in a child, without cmocka) */
static int close_or_say(const char *what, const float *a, const float *ref, size_t n, double tol)
{
	double e = rel_err(a, ref, n);
	if (e <= tol)
		return 0;
	fprintf(stderr, "%s: relative error %.3g > %.3g\n", what, e, tol);
	return 1;
}

/* The flat parameter buffer of m on the host (freshly allocated), through
 * bert_param_get. */
static float *params_host(bert_model *m)
{
	size_t n;
	float *base = bert_params(m, &n);
	float *h = pt_malloc(n * sizeof(float));
	for (size_t i = 0; i < bert_param_count(m); i++) {
		bert_param *p = bert_param_at(m, i);
		bert_param_get(m, p, h + (p->data - base));
	}
	return h;
}

static float *grads_host(bert_model *m)
{
	size_t n;
	float *g = bert_grads(m, &n);
	float *h = pt_malloc(n * sizeof(float));
	bert_get_backend(m)->to_host(h, g, n * sizeof(float));
	return h;
}

/* The tiny model (dropout on) on backend be against the CPU: weight round
 * trips, logits, loss, every gradient, grads scaling, clipping, two AdamW
 * steps, the moments, init and a checkpoint written from be. tol: relative
 * tolerance for computed values (0 for CPU against CPU). Returns the number
 * of failures (each printed). */
static int compare_backend(const pt_backend *be, double tol)
{
	int bad = 0;
	bert_config cfg;
	bert_model *ref = load_model(fixture("tiny"), &cfg);
	cfg.hidden_dropout_prob = 0.1f;
	cfg.attention_probs_dropout_prob = 0.1f;
	bert_free(ref);
	ref = bert_create(&cfg);
	load_weights(ref, fixture("tiny"));
	bert_model *dev = bert_create_on(&cfg, be);
	if (bert_get_backend(dev) != be || bert_get_backend(ref) != &pt_cpu_backend) {
		fprintf(stderr, "bert_get_backend: wrong backend\n");
		bad++;
	}
	size_t n, nd;
	bert_params(ref, &n);
	bert_params(dev, &nd);
	if (n != nd || bert_param_count(ref) != bert_param_count(dev)) {
		fprintf(stderr, "layouts differ: %zu vs %zu floats\n", n, nd);
		bert_free(ref);
		bert_free(dev);
		bert_config_free(&cfg);
		return bad + 1;
	}
	/* weights in through bert_param_set, back through bert_param_get: exact */
	float *w = params_host(ref);
	for (size_t i = 0; i < bert_param_count(dev); i++) {
		bert_param *p = bert_param_at(dev, i);
		bert_param_set(dev, p, w + (bert_param_at(ref, i)->data - bert_params(ref, NULL)));
	}
	float *back = params_host(dev);
	if (memcmp(back, w, n * sizeof(float)) != 0) {
		fprintf(stderr, "bert_param_set/get: the round trip changed the weights\n");
		bad++;
	}

	/* forward (training, dropout on: the same masks on every backend), backward */
	fixture_batch fb;
	fixture_batch_load(&fb, "tiny_cls.safetensors");
	size_t nl = (size_t)fb.b.B * cfg.num_labels;
	float *lr_ = pt_malloc(nl * sizeof(float)), *ld = pt_malloc(nl * sizeof(float));
	float loss_r = bert_forward(ref, &fb.b, 1, 1234, lr_);
	float loss_d = bert_forward(dev, &fb.b, 1, 1234, ld);
	bad += close_or_say("logits", ld, lr_, nl, tol > 0 ? 1e-5 : 0);
	bad += close_or_say("loss", &loss_d, &loss_r, 1, tol > 0 ? 1e-5 : 0);
	bert_zero_grad(ref);
	bert_zero_grad(dev);
	bert_backward(ref);
	bert_backward(dev);
	float *gr = grads_host(ref), *gd = grads_host(dev);
	for (size_t i = 0; i < bert_param_count(ref); i++) {
		bert_param *p = bert_param_at(ref, i);
		size_t off = (size_t)(p->data - bert_params(ref, NULL));
		char what[200];
		snprintf(what, sizeof what, "grad %s", p->name);
		bad += close_or_say(what, gd + off, gr + off, p->numel, tol);
	}
	/* bert_grads_scale against scaling on the host */
	bert_grads_scale(dev, 0.25f);
	float *gs = grads_host(dev);
	for (size_t i = 0; i < n; i++)
		gd[i] *= 0.25f;
	bad += close_or_say("bert_grads_scale", gs, gd, n, 0);
	bert_grads_scale(ref, 0.25f);

	/* clipping and two AdamW steps; the moments through their host copies */
	adamw_state sr, sd;
	adamw_init(&sr, n, 0.01f);
	adamw_init_for(&sd, dev, 0.01f);
	if (sd.be != be || sd.n != n) {
		fprintf(stderr, "adamw_init_for: backend %s, %zu values\n", sd.be->name, sd.n);
		bad++;
	}
	float *mh = pt_malloc(n * sizeof(float)), *vh = pt_malloc(n * sizeof(float));
	adamw_get_moments(&sd, mh, vh);
	for (size_t i = 0; i < n; i++)
		if (mh[i] != 0.0f || vh[i] != 0.0f) {
			fprintf(stderr, "adamw_init_for: moment %zu is not zero\n", i);
			bad++;
			break;
		}
	float nr = (float)clip_grad_norm(ref, 1e-3), ndv = (float)clip_grad_norm(dev, 1e-3);
	bad += close_or_say("grad norm", &ndv, &nr, 1, tol);
	for (int step = 0; step < 2; step++) {
		adamw_step(&sr, ref, 1e-3f);
		adamw_step(&sd, dev, 1e-3f);
	}
	float *pr = params_host(ref), *pd = params_host(dev);
	bad += close_or_say("weights after 2 AdamW steps", pd, pr, n, tol);
	float *mr = pt_malloc(n * sizeof(float)), *vr = pt_malloc(n * sizeof(float));
	adamw_get_moments(&sr, mr, vr);
	adamw_get_moments(&sd, mh, vh);
	bad += close_or_say("exp_avg", mh, mr, n, tol);
	bad += close_or_say("exp_avg_sq", vh, vr, n, tol);
	/* set then get: exact */
	adamw_set_moments(&sd, mr, vr);
	adamw_get_moments(&sd, mh, vh);
	if (memcmp(mh, mr, n * sizeof(float)) != 0 || memcmp(vh, vr, n * sizeof(float)) != 0) {
		fprintf(stderr, "adamw_set/get_moments: the round trip changed the moments\n");
		bad++;
	}

	/* bert_init_param: the same bits on every backend */
	for (size_t i = 0; i < bert_param_count(dev); i++) {
		bert_init_param(bert_param_at(ref, i), &cfg, 7);
		bert_init_param(bert_param_at(dev, i), &cfg, 7);
	}
	free(pr);
	free(pd);
	pr = params_host(ref);
	pd = params_host(dev);
	if (memcmp(pr, pd, n * sizeof(float)) != 0) {
		fprintf(stderr, "bert_init_param: the backends' weights differ\n");
		bad++;
	}

	/* a checkpoint written from be, read back on the CPU and on be: exact */
	char dir[] = "/tmp/pt_test_device.XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		bad++;
	} else {
		char out[sizeof dir + 16];
		snprintf(out, sizeof out, "%s/model", dir);
		checkpoint_save(dev, &cfg, out, NULL);
		bert_model *cpu = bert_create(&cfg), *dev2 = bert_create_on(&cfg, be);
		checkpoint_load(cpu, &cfg, out, 0);
		checkpoint_load(dev2, &cfg, out, 0);
		float *pc = params_host(cpu), *p2 = params_host(dev2);
		if (memcmp(pc, pd, n * sizeof(float)) != 0 || memcmp(p2, pd, n * sizeof(float)) != 0) {
			fprintf(stderr, "checkpoint_save/load through %s changed the weights\n", be->name);
			bad++;
		}
		free(pc);
		free(p2);
		bert_free(cpu);
		bert_free(dev2);
		char cmd[sizeof dir + 16];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "warning: could not remove %s\n", dir);
	}

	free(mr);
	free(vr);
	free(pr);
	free(pd);
	free(mh);
	free(vh);
	adamw_free(&sr);
	adamw_free(&sd);
	free(gs);
	free(gr);
	free(gd);
	free(lr_);
	free(ld);
	fixture_batch_free(&fb);
	free(back);
	free(w);
	bert_free(ref);
	bert_free(dev);
	bert_config_free(&cfg);
	return bad;
}

/* Runs fn(arg) in a forked child with stdout and stderr into out (NUL-
 * terminated, truncated to cap); returns the child's wait status. The
 * child exits with fn's return value. */
static int in_child(int (*fn)(const char *), const char *arg, char *out, size_t cap)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[1]);
		int rc = fn(arg);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	close(fd[1]);
	size_t len = 0;
	ssize_t k;
	char sink[256];
	while ((k = read(fd[0], len + 1 < cap ? out + len : sink,
			 len + 1 < cap ? cap - 1 - len : sizeof sink)) > 0)
		if (len + 1 < cap)
			len += (size_t)k;
	out[len] = 0;
	close(fd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* child: selects a device, says which backend it got */
static int child_select(const char *name)
{
	const pt_backend *be = pt_device_select(pt_device_parse(name));
	printf("backend %s\n", be->name);
	return 0;
}

/* child: the model on the CUDA backend against the CPU; 77 without one */
static int child_compare_cuda(const char *name)
{
	(void)name;
#ifdef PT_HAVE_CUDA
	const pt_backend *be = pt_device_select(PT_DEVICE_AUTO);
	if (be == &pt_cpu_backend)
		return 77;
	return compare_backend(be, 1e-4) ? 1 : 0;
#else
	return 77;
#endif
}

/* 1 when the "cuda" child got the CUDA backend, else 0 (after checking how
 * it refused) */
static int cuda_usable(void)
{
	char out[4096];
	int st = in_child(child_select, "cuda", out, sizeof out);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 0) {
		if (!strstr(out, "backend cuda"))
			fail_msg("--device cuda gave: %s", out);
		return 1;
	}
	if (WEXITSTATUS(st) != 1)
		fail_msg("--device cuda: exit %d, expected 1: %s", WEXITSTATUS(st), out);
#ifdef PT_HAVE_CUDA
	const char *want = "test_device: --device cuda: no CUDA device is visible (";
#else
	const char *want = "test_device: --device cuda: this build has no CUDA support (nvcc was not found at build time)";
#endif
	if (strncmp(out, want, strlen(want)) != 0 || strchr(out, '\n') != out + strlen(out) - 1)
		fail_msg("--device cuda: expected one line starting '%s', got: %s", want, out);
	return 0;
}

static void test_select(void **state)
{
	(void)state;
	assert_ptr_equal(pt_device_select(PT_DEVICE_CPU), &pt_cpu_backend);
	assert_string_equal(pt_device_describe(&pt_cpu_backend), "cpu");
	int cuda = cuda_usable();
	char out[4096];
	int st = in_child(child_select, "auto", out, sizeof out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(out, cuda ? "backend cuda" : "backend cpu"));
	st = in_child(child_select, "gpu", out, sizeof out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 2);
	assert_non_null(strstr(out, "--device: expected cpu, cuda or auto, got 'gpu'"));
	st = in_child(child_select, "CPU", out, sizeof out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 2);
}

static void test_cpu_backend(void **state)
{
	(void)state;
	assert_int_equal(compare_backend(&pt_cpu_backend, 0), 0);
}

static void test_bert_create_default(void **state)
{
	(void)state;
	bert_config cfg;
	bert_config_load(fixture("tiny"), &cfg);
	bert_model *a = bert_create(&cfg), *b = bert_create_on(&cfg, NULL);
	assert_ptr_equal(bert_get_backend(a), &pt_cpu_backend);
	assert_ptr_equal(bert_get_backend(b), &pt_cpu_backend);
	bert_param *p = bert_param_at(a, 3);
	assert_ptr_equal(p->model, a);
	/* on the CPU, bert_param_get/set are copies of p->data itself */
	float *h = pt_malloc(p->numel * sizeof(float));
	for (size_t i = 0; i < p->numel; i++)
		h[i] = (float)i - 0.5f;
	bert_param_set(a, p, h);
	for (size_t i = 0; i < p->numel; i++)
		assert_true(p->data[i] == (float)i - 0.5f);
	memset(h, 0, p->numel * sizeof(float));
	bert_param_get(a, p, h);
	assert_memory_equal(h, p->data, p->numel * sizeof(float));
	free(h);
	bert_free(a);
	bert_free(b);
	bert_config_free(&cfg);
}

static void test_cuda_backend(void **state)
{
	(void)state;
	char out[16384];
	int st = in_child(child_compare_cuda, "", out, sizeof out);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		print_message("no CUDA device (or no CUDA build): the CUDA model comparison did not run\n");
		skip();
	}
	if (WEXITSTATUS(st) != 0)
		fail_msg("the model on CUDA differs from the CPU (exit %d):\n%s", WEXITSTATUS(st), out);
}

int main(int argc, char **argv)
{
	(void)argc;
	pt_init("test_device");
	(void)argv;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_bert_create_default),
		cmocka_unit_test(test_cpu_backend),
		cmocka_unit_test(test_cuda_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
