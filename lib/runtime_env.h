/* runtime_env: the environment train and predict run best in, set before
 * the OpenMP and OpenBLAS runtimes read it (both read their variables once,
 * at start-up, so the only way is to re-execute the program). */
#ifndef PT_RUNTIME_ENV_H
#define PT_RUNTIME_ENV_H

/* Re-executes the program (same pid and arguments) when the environment
 * lacks one of:
 *  - OMP_WAIT_POLICY=passive (set when unset): OpenMP threads sleep between
 *    the model's parallel loops instead of spinning on the cores the
 *    matrix products need;
 *  - OPENBLAS_CORETYPE=Haswell (set when unset, and only when the loaded
 *    OpenBLAS did not recognise the CPU and fell back to its generic
 *    pre-AVX2 kernels on a CPU that has AVX2 and FMA, as an OpenBLAS older
 *    than the CPU does).
 * (Why, with the measurements: bench/README.md, "Why the code is as it
 * is".)
 * Says so on stderr when it sets OPENBLAS_CORETYPE and stderr is a
 * terminal. Returns when nothing is missing or the re-exec fails (the
 * program then runs as it is). Call first thing in main. */
void pt_runtime_env(char **argv);

/* The OPENBLAS_CORETYPE to run with, given the core OpenBLAS chose
 * (openblas_get_corename) and whether the CPU has AVX2 and FMA; NULL when
 * OpenBLAS's choice stands.
 * Exported for tests/unit/test_runtime_env.c; pt_runtime_env is its caller. */
const char *pt_blas_core_fallback(const char *corename, int avx2_fma);

#endif
