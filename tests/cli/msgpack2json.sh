#!/bin/bash
# msgpack2json | json2msgpack round trips byte for byte (tok-, collate- and
# predict-like streams); --pretty reads back too; float typing rule.
. "$PT_ROOT/tests/cli/lib.sh"
J2M=$BINDIR/json2msgpack M2J=$BINDIR/msgpack2json C=$BINDIR/collate
cat >"$T/tok.jsonl" <<'J'
{"idx": 0, "label": 1, "input_ids": [101, 2572, 3217, 5831, 102, 7727, 2000, 102], "token_type_ids": [0, 0, 0, 0, 0, 1, 1, 1], "attention_mask": [1, 1, 1, 1, 1, 1, 1, 1]}
{"idx": 1, "label": 0, "input_ids": [101, 102, 102], "token_type_ids": [0, 0, 1], "attention_mask": [1, 1, 1]}
{"idx": 2, "label": 3.8, "input_ids": [101, 100000, 102], "token_type_ids": [0, 0, 0], "attention_mask": [1, 1, 1], "text": "café \"quoted\"\n\ttab", "neg": -9223372036854775808, "u": null, "t": true, "f": false}
J
cat >"$T/pred.jsonl" <<'J'
{"idx": 0, "label": 1, "logits": [-1.2345678, 2.3], "prediction": 1}
{"idx": 1, "logits": [3.4028235e+38, -1e-45, 0.0, -0.0], "prediction": 0, "score": 0.8578431372549019, "half": 0.50, "tiny": 1.0e-05, "m": {"nested": [[1.5, 2.5], []]}}
J
for s in tok pred; do
	$J2M "$T/$s.jsonl" >"$T/$s.mpk" || fail "json2msgpack $s"
	$M2J "$T/$s.mpk" | $J2M | cmp - "$T/$s.mpk" || fail "$s: round trip not byte-identical"
	$M2J --pretty "$T/$s.mpk" | $J2M | cmp - "$T/$s.mpk" || fail "$s: --pretty round trip"
	$M2J "$T/$s.mpk" | cmp - "$T/$s.jsonl" || fail "$s: text round trip: $($M2J "$T/$s.mpk" | diff - "$T/$s.jsonl")"
done
$C -b 2 "$T/tok.mpk" 2>/dev/null | true
head -n 2 "$T/tok.jsonl" | $J2M | $C -b 2 >"$T/batch.mpk" || fail "collate"
$M2J "$T/batch.mpk" | $J2M | cmp - "$T/batch.mpk" || fail "collate stream round trip"
# typing: float32 spelling -> float32 (0xca), anything else -> float64 (0xcb)
printf '{"a": 2.3}\n' | $J2M | od -An -tx1 | tr -d ' \n' | grep -q '^81a161ca' || fail "2.3 should be float32"
printf '{"a": 2.30}\n' | $J2M | od -An -tx1 | tr -d ' \n' | grep -q '^81a161cb' || fail "2.30 should be float64"
printf '{"a": 0.1234567890123}\n' | $J2M | od -An -tx1 | tr -d ' \n' | grep -q '^81a161cb' || fail "long fraction should be float64"
printf '{"a": 7}\n' | $J2M | od -An -tx1 | tr -d ' \n' | grep -q '^81a16107$' || fail "7 should be a fixint"
# --pretty layout is Python's json.dumps(indent=2), but for arrays of
# scalars, which stay on one line (tests/cli/msgpack2json_view.sh)
printf '{"a": [[1, 2], []], "b": {}, "c": [{"d": 1}]}\n' | $J2M | $M2J --pretty >"$T/p.json"
printf '{\n  "a": [\n    [1, 2],\n    []\n  ],\n  "b": {},\n  "c": [\n    {\n      "d": 1\n    }\n  ]\n}\n' | cmp - "$T/p.json" || fail "pretty layout: $(cat "$T/p.json")"
# -o is atomic
$M2J -o "$T/o.jsonl" "$T/tok.mpk" && cmp -s "$T/o.jsonl" "$T/tok.jsonl" || fail "msgpack2json -o"
echo ok
