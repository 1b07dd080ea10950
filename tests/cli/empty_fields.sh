#!/bin/bash
# Empty strings, keys and rows through the tools (issue 13, defect 2): each
# reached memcpy or pointer arithmetic with a NULL pointer, which the
# sanitizer pass of make check (PT_SANITIZE) turns into a failure. The
# same inputs are in tests/fuzz/corpus (crash-*), replayed through the
# fuzz harnesses with clang's stricter UBSan.
. "$PT_ROOT/tests/cli/lib.sh"
J2M=$BINDIR/json2msgpack M2J=$BINDIR/msgpack2json C=$BINDIR/collate

# a map with an empty key, as msgpack and as JSON
out=$(printf '\x81\xa0\x09' | $M2J) || fail "msgpack2json on an empty key"
[ "$out" = '{"": 9}' ] || fail "msgpack2json: got '$out'"
out=$(printf '{"":9}\n' | $J2M | $M2J) || fail "json2msgpack | msgpack2json on an empty key"
[ "$out" = '{"": 9}' ] || fail "json2msgpack | msgpack2json: got '$out'"
out=$(printf '{"s": "", "": ""}\n' | $J2M | $M2J) || fail "empty strings"
[ "$out" = '{"s": "", "": ""}' ] || fail "empty strings: got '$out'"

# collate on an empty row, and with an empty key and an empty string value
out=$(printf '{"idx":0,"input_ids":[]}\n' | $J2M | $C | $M2J) || fail "collate on an empty row"
[ "$out" = '{"idx": [0], "input_ids": [[]]}' ] || fail "collate on an empty row: got '$out'"
out=$(printf '{"":"","input_ids":[5]}\n' | $J2M | $C | $M2J) || fail "collate with an empty key"
[ "$out" = '{"": [""], "input_ids": [[5]]}' ] || fail "collate with an empty key: got '$out'"
out=$(printf '{"":1,"input_ids":[5]}\n{"":2,"input_ids":[6]}\n' | $J2M | $C | $M2J) || fail "collate with an empty key twice"
[ "$out" = '{"": [1, 2], "input_ids": [[5], [6]]}' ] || fail "collate with an empty key twice: got '$out'"

# tok with a vocab.txt whose first line is empty (the empty token has id 0)
mkdir "$T/m"
printf '\n[UNK]\n[CLS]\n[SEP]\nhello\n' >"$T/m/vocab.txt"
out=$(printf 'hello there\n' | $BINDIR/tok -m "$T/m" --text-a 0 --no-header | $M2J) || fail "tok with an empty first vocab line"
case $out in *'"input_ids": [2, 4, 1, 3]'*) ;; *) fail "tok with an empty first vocab line: got '$out'" ;; esac

# msgpack2json refuses a string that is not UTF-8 (JSON text is UTF-8)
printf '\x81\xa1k\xa2\xc3\x28' >"$T/bad.mpk"
expect_fail 1 "bad.mpk: record 0: a string is not valid UTF-8 \(at its byte 1\)" $M2J "$T/bad.mpk"
exit 0
