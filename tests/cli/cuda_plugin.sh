#!/bin/bash
# The CUDA backend as a plugin (lib/backend/cuda_plugin.h): the tools do not link
# CUDA, a CPU run never loads it, and --device cuda loads it from beside
# the executable or from $PT_CUDA_PLUGIN, with one clear line when it is
# missing, is not a plugin, comes from another build, or finds no GPU.
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
for t in predict train; do [ -x "$BINDIR/$t" ] || skip "$t not built"; done
# CUDA under ASan (see cuda_ops.sh)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}protect_shadow_gap=0"
printf 'leak:libcuda.so\nleak:libcudart.so\nleak:libcublas.so\nleak:libcublasLt.so\nleak:libnvidia\n' >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"

# no tool is linked with cudart, cuBLAS or NCCL
for t in predict train; do
	! ldd "$BINDIR/$t" | grep -Eq 'libcudart|libcublas|libnccl' || fail "$t links CUDA: $(ldd "$BINDIR/$t" | grep -E 'cuda|cublas|nccl')"
done

# a CPU run never looks for the plugin, whatever PT_CUDA_PLUGIN says
PT_CUDA_PLUGIN=/nonexistent "$BINDIR/predict" --model "$F/cls" --device cpu "$F/cls_batches.mpk" >"$T/cpu.mpk" 2>"$T/cpu.err" \
	|| fail "predict --device cpu: $(cat "$T/cpu.err")"
! grep -q PT_CUDA_PLUGIN "$T/cpu.err" || fail "predict --device cpu looked for the plugin: $(cat "$T/cpu.err")"
# auto looks only where the NVIDIA driver is installed, and then falls back to the CPU with a warning
PT_CUDA_PLUGIN=/nonexistent "$BINDIR/predict" --model "$F/cls" --device auto "$F/cls_batches.mpk" >"$T/auto.mpk" 2>"$T/auto.err" \
	|| fail "predict --device auto: $(cat "$T/auto.err")"
cmp -s "$T/cpu.mpk" "$T/auto.mpk" || fail "predict --device auto without a plugin differs from --device cpu"
if [ -e /dev/nvidiactl ] || ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
	grep -q -- '--device auto: PT_CUDA_PLUGIN=/nonexistent: no such readable file; running on the CPU' "$T/auto.err" \
		|| fail "predict --device auto, driver present, plugin missing: $(cat "$T/auto.err")"
else
	! grep -q PT_CUDA_PLUGIN "$T/auto.err" || fail "predict --device auto loaded CUDA without a driver: $(cat "$T/auto.err")"
fi

expect_fail 1 '^predict: --device cuda: PT_CUDA_PLUGIN=/nonexistent: no such readable file; use --device cpu or auto$' \
	env PT_CUDA_PLUGIN=/nonexistent "$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
expect_fail 1 '^predict: --device cuda: cannot load the CUDA backend: .*' \
	env PT_CUDA_PLUGIN="$F/cls/config.json" "$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
# a copy of predict away from bin/ does not find it
cp "$BINDIR/predict" "$T/predict"
if [ -e "$BINDIR/libpipetune_cuda.so" ]; then
	expect_fail 1 '^predict: --device cuda: the CUDA backend \(libpipetune_cuda\.so\) is neither beside the executable nor in \.\./lib/pipetune' \
		"$T/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
else
	expect_fail 1 '^predict: --device cuda: this build has no CUDA support' "$T/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
	exit 0   # the rest needs a CUDA build
fi
# a plugin from another build (another table version)
command -v cc >/dev/null || skip "no C compiler for the fake plugin"
cat >"$T/fake.c" <<'CEOF'
#include "backend/cuda_plugin.h"
static const pt_cuda_api api = { PT_CUDA_PLUGIN_ABI + 1, sizeof(pt_backend) };
const pt_cuda_api *pt_cuda_plugin_api(void) { return &api; }
CEOF
cc -shared -fPIC -I"$PT_ROOT/lib" -o "$T/fake.so" "$T/fake.c" || fail "cannot build the fake plugin"
expect_fail 1 "^predict: --device cuda: $T/fake.so is not this build's CUDA backend \(another ABI; expected plugin ABI [0-9]+\): rebuild it" \
	env PT_CUDA_PLUGIN="$T/fake.so" "$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
# the installed layout: bin/x finds ../lib/pipetune/libpipetune_cuda.so
mkdir -p "$T/inst/bin" "$T/inst/lib/pipetune"
cp "$BINDIR/predict" "$T/inst/bin/" && cp "$BINDIR/libpipetune_cuda.so" "$T/inst/lib/pipetune/"
# the real plugin loads (from beside the tool, and from the installed layout):
# then either a GPU runs it or one line says why none is visible
for p in "$BINDIR/predict" "$T/inst/bin/predict"; do
	"$p" --model "$F/cls" --device cuda "$F/cls_batches.mpk" >"$T/cuda.mpk" 2>"$T/cuda.err"
	rc=$?
	if [ $rc -eq 0 ]; then
		grep -q '^predict: device: cuda (' "$T/cuda.err" || fail "$p --device cuda: $(cat "$T/cuda.err")"
	else
		[ $rc -eq 1 ] && [ "$(wc -l <"$T/cuda.err")" -eq 1 ] \
			&& grep -q '^predict: --device cuda: no CUDA device is visible (.*); use --device cpu or auto$' "$T/cuda.err" \
			|| fail "$p --device cuda (exit $rc): $(cat "$T/cuda.err")"
	fi
done
exit 0
