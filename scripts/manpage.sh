#!/bin/sh
# scripts/manpage.sh TOOL: TOOL's man page (roff, on stdout), made by
# help2man from TOOL --help, which is each tool's whole manual and is laid
# out for it: "Usage:" line (SYNOPSIS), a one-sentence summary on the
# second line (NAME), the description, "Options:" (OPTIONS, with the notes
# that follow them) and "Examples:" (EXAMPLES, one "$ command" a line).
# scripts/manpage.h2m adds SEE ALSO and keeps the examples verbatim.
# Used by `make install`; tests/cli/manpage.sh checks every tool's page.
set -e
tool=$1
command -v help2man >/dev/null || {
	echo "manpage.sh: help2man is not installed (tests/install-deps.sh installs it)" >&2; exit 1; }
help=$("$tool" --help)
what=$(printf '%s\n' "$help" | sed -n '2{s/\.$//; s/^\(.\)\([a-z]\)/\L\1\2/; p}')
[ -n "$what" ] || { echo "manpage.sh: $tool --help: line 2 is not the one-sentence summary" >&2; exit 1; }
exec help2man --no-info --no-discard-stderr --version-string=pipetune --source=pipetune \
	--manual="pipetune manual" --name="$what" --include="$(dirname "$0")/manpage.h2m" "$tool"
