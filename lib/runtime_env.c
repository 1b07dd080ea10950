/* runtime_env: OMP_WAIT_POLICY and OPENBLAS_CORETYPE set before the
 * runtimes read them (see runtime_env.h). */
#include "runtime_env.h"
#include "util.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* OpenBLAS's names for the x86-64 cores without AVX2, the targets its
 * dynamic dispatch falls back to for a CPU model it does not know. */
static const char *const pre_avx2_cores[] = {
	"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge",
	"Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Bulldozer", "Piledriver",
};

const char *pt_blas_core_fallback(const char *corename, int avx2_fma)
{
	if (!corename || !avx2_fma)
		return NULL;
	for (size_t i = 0; i < sizeof pre_avx2_cores / sizeof *pre_avx2_cores; i++)
		if (strcasecmp(corename, pre_avx2_cores[i]) == 0)
			return "Haswell";
	return NULL;
}

static int cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

void pt_runtime_env(char **argv)
{
	int changed = 0;
	if (!getenv("OMP_WAIT_POLICY") && setenv("OMP_WAIT_POLICY", "passive", 1) == 0)
		changed = 1;
	if (!getenv("OPENBLAS_CORETYPE")) {
		const char *core = openblas_get_corename();
		const char *want = pt_blas_core_fallback(core, cpu_has_avx2_fma());
		if (want && setenv("OPENBLAS_CORETYPE", want, 1) == 0) {
			changed = 1;
			if (isatty(STDERR_FILENO))
				pt_warn("OpenBLAS did not recognise this CPU (it chose its %s kernels); running with "
					"OPENBLAS_CORETYPE=%s (set OPENBLAS_CORETYPE to choose, e.g. SkylakeX for AVX-512)",
					core, want);
		}
	}
	if (changed)
		execv("/proc/self/exe", argv);
	/* not changed, or the re-exec failed: run as we are */
}
