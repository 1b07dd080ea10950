# Reads msgpack2json lines of tok records; prints "LABEL DIGEST" per record
# (LABEL '-' when absent), DIGEST as in tests/golden/make_tok_fixtures.py:
# h = 0; for v in input_ids, -1, token_type_ids: h = (h*1000003 + v + 1) % 2147483647.
# With canon=1 prints the canonical "input_ids=...;token_type_ids=..." instead.
function arr(key,    s) {
	if (!match($0, "\"" key "\": *\\[[^]]*\\]"))
		return ""
	s = substr($0, RSTART, RLENGTH)
	sub(/^[^[]*\[/, "", s); sub(/\]$/, "", s); gsub(/,/, " ", s); gsub(/  +/, " ", s)
	return s
}
function feed(s,    n, i, v) {
	n = split(s, v, " ")
	for (i = 1; i <= n; i++)
		h = (h * 1000003 + v[i] + 1) % 2147483647
}
{
	ids = arr("input_ids"); types = arr("token_type_ids")
	if (canon) { print "input_ids=" ids ";token_type_ids=" types; next }
	label = "-"
	if (match($0, /"label": *[-0-9.eE+]+/)) { label = substr($0, RSTART, RLENGTH); sub(/^"label": */, "", label) }
	h = 0; feed(ids); feed("-1"); feed(types)
	printf "%s %d\n", label, h
}
