# Helpers for CLI tests: source it from tests/cli/*.sh.
set -u
BINDIR=${BINDIR:-$PT_ROOT/bin}
SHARED=${SHARED:-$PT_ROOT/../shared}
DATA=$SHARED/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
# expect_fail CODE PATTERN cmd...: the command must exit CODE and print
# exactly one stderr line matching the grep -E PATTERN.
expect_fail() {
	local code=$1 pat=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	[ $rc -eq "$code" ] || fail "'$*' exited $rc, expected $code; stderr: $(cat "$T/err")"
	grep -Eq -- "$pat" "$T/err" || fail "'$*': stderr does not match '$pat': $(cat "$T/err")"
	[ "$code" -eq 2 ] || [ "$(wc -l <"$T/err")" -eq 1 ] || fail "'$*': expected one stderr line, got: $(cat "$T/err")"
}
