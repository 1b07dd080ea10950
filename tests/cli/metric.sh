#!/bin/bash
# glue-metric as a command on golden cases (the unit test covers all of them):
# output text identical to Python's json.dumps of evaluate's result.
. "$PT_ROOT/tests/cli/lib.sh"
F=$PT_ROOT/tests/golden/fixtures/metrics
[ -f "$F/cases.txt" ] || fail "missing $F/cases.txt"
n=0
while read -r name task want; do
	case $name in '#'*|'') continue ;; esac
	case $name in *_n1|*_n7|*_logits|*_constant_*|stsb_n1500|cola_large|mrpc_allzero_pred|mnli_tied_logits) ;; *) continue ;; esac
	got=$($BINDIR/json2msgpack "$F/$name.jsonl" | $BINDIR/glue-metric "$task") || fail "$name: glue-metric failed"
	[ "$got" = "$want" ] || fail "$name ($task): want $want, got $got"
	n=$((n + 1))
done <"$F/cases.txt"
[ $n -ge 20 ] || fail "only $n cases ran"
# -o writes the same text; FILE argument works like stdin
$BINDIR/json2msgpack "$F/mrpc_n408.jsonl" >"$T/p.mpk"
$BINDIR/glue-metric mrpc "$T/p.mpk" -o "$T/m.json" || fail "glue-metric -o"
[ "$(cat "$T/m.json")" = "$(grep '^mrpc_n408 ' "$F/cases.txt" | cut -d' ' -f3-)" ] || fail "-o output"
echo ok
