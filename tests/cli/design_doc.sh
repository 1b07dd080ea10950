#!/bin/bash
# docs/design.md is checked against the tree: every file under lib/ (.c, .h,
# .cu, .cuh) is named in it by its whole path, and every lib/ path it names
# exists.
. "$PT_ROOT/tests/cli/lib.sh"
DOC=$PT_ROOT/docs/design.md
[ -f "$DOC" ] || fail "docs/design.md is missing"
cd "$PT_ROOT" || fail "cannot enter $PT_ROOT"
# the lib/ paths the document names (not inside a longer path such as build/lib/)
grep -oP '(?<![\w./-])lib/[\w./-]*[\w/]' "$DOC" | sort -u >"$T/named"
files=0
while IFS= read -r f; do
	files=$((files + 1))
	grep -qxF -- "$f" "$T/named" || fail "$f is not named in docs/design.md (say which concern it owns)"
done < <(find lib -type f \( -name '*.c' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' \) | sort)
[ $files -gt 0 ] || fail "no files found under lib/"
while IFS= read -r p; do
	[ -e "$p" ] || fail "docs/design.md names $p, which does not exist"
done <"$T/named"
echo "$files lib/ files named in docs/design.md, $(wc -l <"$T/named") lib/ paths in it exist"
