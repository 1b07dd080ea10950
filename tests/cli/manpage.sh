# The man pages `make install` writes (scripts/manpage.sh, help2man): one per
# tool, with NAME (the whole one-sentence summary of --help's second line),
# SYNOPSIS, DESCRIPTION, OPTIONS and EXAMPLES (the commands verbatim, one a
# line); roff that groff renders without warnings, holding the tool's whole
# --help; a dot-led help line escaped.
. "$PT_ROOT/tests/cli/lib.sh"
command -v help2man >/dev/null || skip "no help2man (tests/install-deps.sh installs it)"
n=0
for b in "$BINDIR"/*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	"$PT_ROOT/scripts/manpage.sh" "$b" >"$T/$name.1" || fail "manpage.sh $name"
	grep -q "^\.TH $(echo "$name" | tr '[:lower:]' '[:upper:]') \"1\" " "$T/$name.1" || fail "$name.1: no .TH line"
	"$b" --help >"$T/$name.help"
	# the summary is one whole sentence on line 2, and it is the NAME
	summary=$(sed -n 2p "$T/$name.help")
	case $summary in *.) ;; *) fail "$name --help: line 2 is not a sentence: $summary" ;; esac
	[ -z "$(sed -n 3p "$T/$name.help")" ] || fail "$name --help: the summary goes on past line 2"
	[ ${#summary} -le 90 ] || fail "$name --help: summary longer than 90 characters"
	want=$(printf '%s' "${summary%.}" | sed 's/^\(.\)\([a-z]\)/\L\1\2/')
	[ "$(sed -n '/^\.SH NAME$/{n;p}' "$T/$name.1")" = "$name \\- $want" ] || fail "$name.1: NAME is $(sed -n '/^\.SH NAME$/{n;p}' "$T/$name.1")"
	[ "$(grep '^\.SH ' "$T/$name.1" | head -n 5 | tr '\n' ' ')" = '.SH NAME .SH SYNOPSIS .SH DESCRIPTION .SH OPTIONS .SH EXAMPLES ' ] ||
		fail "$name.1: sections $(grep '^\.SH ' "$T/$name.1" | tr '\n' ' ')"
	grep -q '^  \$ ' "$T/$name.help" || fail "$name --help: no example command"
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -P-cbou "$T/$name.1" >"$T/$name.txt" 2>"$T/$name.warn" || fail "groff $name.1"
		[ ! -s "$T/$name.warn" ] || fail "groff warns on $name.1: $(head -3 "$T/$name.warn")"
		# every line of --help is in the rendered page (whitespace and
		# hyphenation aside; "Usage:", "Options:" and "Examples:" are headings)
		tr -d ' \n' <"$T/$name.txt" | sed 's/‐//g' >"$T/$name.flat"
		while IFS= read -r line; do
			case $line in Options: | Examples:) continue ;; esac
			l=$(printf '%s' "${line#Usage: }" | tr -d ' ')
			[ -z "$l" ] || grep -qF -- "$l" "$T/$name.flat" || fail "$name.1 lacks the help line: $line"
		done <"$T/$name.help"
		# each example command is one line of the page, as written
		sed -n '/^EXAMPLES$/,/^SEE ALSO$/p' "$T/$name.txt" | sed 's/^ *//' >"$T/$name.ex"
		grep '^  \$ ' "$T/$name.help" | sed 's/^ *//' | while IFS= read -r line; do
			grep -qxF -- "$line" "$T/$name.ex" || fail "$name.1: the example is not verbatim: $line"
		done || exit 1
	fi
	n=$((n + 1))
done
[ $n -ge 7 ] || fail "only $n tools in $BINDIR"
# a help line starting with a dot would be a roff request: it is escaped
printf '#!/bin/sh\nprintf "Usage: x\\nDoes x.\\n\\n.dotted line\\n"\n' >"$T/x" && chmod +x "$T/x"
"$PT_ROOT/scripts/manpage.sh" "$T/x" | grep -qx '\\&\.dotted line' || fail "a leading dot is not escaped"
exit 0
