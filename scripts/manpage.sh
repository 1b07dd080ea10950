#!/bin/sh
# scripts/manpage.sh TOOL: a man page (roff, on stdout) made from TOOL --help,
# which is each tool's whole manual: usage line, description, options and a
# real pipeline. Used by `make install`.
set -e
tool=$1
name=$(basename "$tool")
help=$("$tool" --help)
# the description's first line (the one after "Usage:") names the page
what=$(printf '%s\n' "$help" | sed -n '2p' | sed 's/[.:]$//')
printf '.TH %s 1 "" "pipetune" "pipetune manual"\n' "$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')"
printf '.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n' "$name" "$what"
# roff: backslashes doubled; a leading . or ' would start a request
printf '%s\n' "$help" | sed 's/\\/\\\\/g; s/^\([.'"'"']\)/\\\&\1/'
printf '.fi\n'
