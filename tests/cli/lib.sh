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
# close_rows TOL A B: two "idx v v ..." files (one example a line) agree:
# same idx, |a - b| <= TOL * max(max |b| of the row, 1e-3). Relative to the
# row's scale: a logit's rounding follows the size of the terms it sums,
# and one near 0 by cancellation has no relative precision of its own.
close_rows() {
	paste -d' ' "$2" "$3" | awk -v tol="$1" '{ n = NF / 2; if ($1 != $(n+1)) { print "idx " $1 " vs " $(n+1); exit 1 }
		m = 1e-3; for (i = 2; i <= n; i++) { b = $(n+i); if (b < 0) b = -b; if (b > m) m = b }
		for (i = 2; i <= n; i++) { d = $i - $(n+i); if (d < 0) d = -d
			if (d > tol * m) { print "idx " $1 ": " $i " vs " $(n+i); exit 1 } } }
		END { if (NR == 0) { print "no rows"; exit 1 } }'
}
