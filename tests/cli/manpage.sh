# The man pages `make install` writes (scripts/manpage.sh): one per tool,
# roff that groff renders without warnings, holding the tool's whole --help
# (the pipeline example included), with a dot-led help line escaped.
. "$PT_ROOT/tests/cli/lib.sh"
n=0
for b in "$BINDIR"/*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	"$PT_ROOT/scripts/manpage.sh" "$b" >"$T/$name.1" || fail "manpage.sh $name"
	head -n 1 "$T/$name.1" | grep -q "^\.TH $(echo "$name" | tr '[:lower:]' '[:upper:]') 1 " || fail "$name.1: no .TH line"
	grep -q "^$name \\\\- [A-Z]" "$T/$name.1" || fail "$name.1: no NAME line: $(sed -n 3p "$T/$name.1")"
	"$b" --help >"$T/$name.help"
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww "$T/$name.1" >"$T/$name.txt" 2>"$T/$name.warn" || fail "groff $name.1"
		[ ! -s "$T/$name.warn" ] || fail "groff warns on $name.1: $(head -3 "$T/$name.warn")"
		# every line of --help is in the rendered page (whitespace aside)
		tr -d ' \n' <"$T/$name.txt" | sed 's/‐//g' >"$T/$name.flat"
		while IFS= read -r line; do
			l=$(printf '%s' "$line" | tr -d ' ')
			[ -z "$l" ] || grep -qF -- "$l" "$T/$name.flat" || fail "$name.1 lacks the help line: $line"
		done <"$T/$name.help"
	fi
	n=$((n + 1))
done
[ $n -ge 7 ] || fail "only $n tools in $BINDIR"
# a help line starting with a dot would be a roff request: it is escaped
printf '#!/bin/sh\nprintf "Usage: x\\nDoes x.\\n.dotted line\\n"\n' >"$T/x" && chmod +x "$T/x"
"$PT_ROOT/scripts/manpage.sh" "$T/x" | grep -qx '\\&\.dotted line' || fail "a leading dot is not escaped"
exit 0
