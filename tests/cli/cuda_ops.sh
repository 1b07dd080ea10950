#!/bin/bash
# The CUDA backend against the CPU backend, op by op (tests/cuda/test_cuda_ops.c).
# Skips (77) when the build has no CUDA backend (nvcc not found) or when no
# GPU is present; before that, the harness checks itself on the CPU
# (--self-check), so its comparisons are exercised, under ASan too, everywhere.
. "$PT_ROOT/tests/cli/lib.sh"
O=${O:-build}
case $O in /*) ;; *) O=$PT_ROOT/$O ;; esac
prog=$O/tests/cuda/test_cuda_ops
[ -x "$prog" ] || skip "no CUDA build ($prog missing: nvcc not found at build time)"

# CUDA under ASan: the driver maps memory where ASan's shadow gap would be,
# and the driver and cuBLAS keep allocations until exit (not ours to free).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}protect_shadow_gap=0"
printf 'leak:libcuda.so\nleak:libcudart.so\nleak:libcublas.so\nleak:libcublasLt.so\nleak:libnvidia\n' >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"

"$prog" --self-check >"$T/self" 2>&1 || { cat "$T/self"; fail "test_cuda_ops --self-check failed"; }

"$prog" >"$T/out" 2>&1
rc=$?
case $rc in
0) cat "$T/out"; exit 0 ;;
77) skip "no CUDA device (pt_cuda_available() is 0)" ;;
*) cat "$T/out"; fail "CUDA and CPU backends differ (exit $rc)" ;;
esac
