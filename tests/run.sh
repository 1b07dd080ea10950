#!/bin/bash
# Runs every test: the cmocka unit tests ($O/tests/test_*) and the command-line
# tests (tests/cli/*.sh, each a script that exits 0 on success, 77 to skip).
# Ends with the summary line "N passed, N failed, N skipped".
# Env: O (build dir, default build; test helper programs in $O/tests/tools,
# exported to the CLI tests as TESTTOOLS), BINDIR (tools, default bin), TESTS (a
# regexp to select tests by name).
O=${O:-build}
BINDIR=${BINDIR:-bin}
mkdir -p "$BINDIR"
export BINDIR=$(cd "$BINDIR" && pwd) PT_ROOT=$(pwd)
mkdir -p "$O/tests/tools"
export TESTTOOLS=$(cd "$O/tests/tools" && pwd)
export SHARED=${SHARED:-$(cd .. && pwd)/shared}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# One OpenBLAS kernel family for every test on every x86-64 machine with
# AVX2+FMA: the golden tolerances were set on it, and an OpenBLAS older than
# the CPU would otherwise fall back to generic kernels in the unit tests
# (train and predict fix that themselves: lib/runtime_env.c).
if [ -z "${OPENBLAS_CORETYPE+set}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
	export OPENBLAS_CORETYPE=Haswell
fi
if [ -n "$PT_SANITIZE" ]; then
	# allocator_may_return_null: an absurd allocation fails as it does in a
	# normal build (NULL, then the tool's "out of memory"), not as an ASan abort
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
pass=0 fail=0 skip=0 failed=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
run() { # name, command...
	local name=$1; shift
	if [ -n "$TESTS" ] && ! [[ $name =~ $TESTS ]]; then return; fi
	local t0=$SECONDS
	"$@" >"$log/out" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass+1)); printf 'PASS %-40s %3ds\n' "$name" $((SECONDS-t0))
	elif [ $rc -eq 77 ]; then
		skip=$((skip+1)); printf 'SKIP %-40s %s\n' "$name" "$(tail -n 1 "$log/out")"
	else
		fail=$((fail+1)); failed+=("$name")
		printf 'FAIL %-40s (exit %d)\n' "$name" $rc
		sed 's/^/    | /' "$log/out" | tail -n 40
	fi
}
# The unit tests live in $O/tests, away from the CUDA plugin the tools find
# beside themselves (lib/backend/cuda_plugin.h): they are told where it is.
for t in "$O"/tests/test_*; do
	[ -x "$t" ] && run "unit/$(basename "$t")" env PT_CUDA_PLUGIN="$BINDIR/libpipetune_cuda.so" "$t"
done
for t in tests/cli/*.sh; do
	case $(basename "$t") in lib*.sh) continue ;; esac  # sourced helpers, not tests
	[ -f "$t" ] && run "cli/$(basename "$t" .sh)" bash "$t"
done
[ $fail -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
