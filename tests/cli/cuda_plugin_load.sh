#!/bin/bash
# The CUDA plugin loading (lib/backend/cuda_plugin.h), in a CUDA build: a
# plugin from another build is refused with one line, the installed layout
# (bin/x, lib/pipetune/libpipetune_cuda.so) finds it, and the real plugin
# loads, then runs or says in one line that no GPU is visible. Skipped in a
# build without nvcc (cuda_plugin.sh covers that build).
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/checkpoint
[ -x "$BINDIR/predict" ] || skip "predict not built"
[ -e "$BINDIR/libpipetune_cuda.so" ] || skip "no CUDA build (nvcc was not found): the plugin is not built"
# CUDA under ASan (see cuda_ops.sh)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}protect_shadow_gap=0"
printf 'leak:libcuda.so\nleak:libcudart.so\nleak:libcublas.so\nleak:libcublasLt.so\nleak:libnvidia\n' >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"

# PT_CUDA_PLUGIN naming a missing file, or a file that is not a plugin
expect_fail 1 '^predict: --device cuda: PT_CUDA_PLUGIN=/nonexistent: no such readable file; use --device cpu or auto$' \
	env PT_CUDA_PLUGIN=/nonexistent "$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
expect_fail 1 '^predict: --device cuda: cannot load the CUDA backend: .*' \
	env PT_CUDA_PLUGIN="$F/cls/config.json" "$BINDIR/predict" --model "$F/cls" --device cuda "$F/cls_batches.mpk"
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
