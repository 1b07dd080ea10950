#!/bin/bash
# The CUDA backend as a plugin (lib/backend/cuda_plugin.h): the tools do not link
# CUDA, a CPU run never loads it, and --device cuda loads it from beside
# the executable or from $PT_CUDA_PLUGIN, with one clear line when it is
# missing. cuda_plugin_load.sh (CUDA builds): the loading itself (a
# missing or bad PT_CUDA_PLUGIN, another build's plugin, the installed
# layout, a real load).
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

# a copy of predict away from bin/ does not find it
cp "$BINDIR/predict" "$T/predict"
if [ -e "$BINDIR/libpipetune_cuda.so" ]; then
	expect_fail 1 '^predict: --device cuda: the CUDA backend \(libpipetune_cuda\.so\) is neither beside the executable nor in \.\./lib/pipetune' \
		"$T/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
else
	expect_fail 1 '^predict: --device cuda: this build has no CUDA support' "$T/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
fi
exit 0
