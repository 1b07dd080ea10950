#!/bin/bash
# Input that used to pass and give silently wrong results is refused with
# one clear line and exit 1, at the first stage that can know (issue 13,
# defect 4).
. "$PT_ROOT/tests/cli/lib.sh"
for t in tok collate glue-metric json2msgpack; do [ -x "$BINDIR/$t" ] || skip "$t not built"; done
V=$DATA/bert/bert-base-uncased
[ -f "$V/vocab.txt" ] || skip "no bert-base-uncased vocabulary in $DATA"
mkdir -p "$T/m"
cp "$V/vocab.txt" "$V/tokenizer_config.json" "$T/m/"
# tok: an MRPC label outside the task's two classes
head -n 3 "$DATA/glue/MRPC/dev.tsv" > "$T/mrpc.tsv"
"$BINDIR/tok" --model "$T/m" --task mrpc "$T/mrpc.tsv" > /dev/null || fail "tok on 2 good MRPC lines"
head -n 2 "$DATA/glue/MRPC/dev.tsv" > "$T/bad.tsv"
sed -n 3p "$DATA/glue/MRPC/dev.tsv" | sed 's/^0/7/' >> "$T/bad.tsv"
expect_fail 1 "^tok: $T/bad.tsv: line 3: field 'Quality': label 7 is outside \[0, 2\) \(2 classes\)$" \
	"$BINDIR/tok" --model "$T/m" --task mrpc "$T/bad.tsv"
sed -n 3p "$DATA/glue/MRPC/dev.tsv" | sed 's/^0/-1/' > "$T/neg.tsv"
expect_fail 1 "line 1: field '0': label -1 is outside \[0, 2\)" \
	"$BINDIR/tok" --model "$T/m" --task mrpc --no-header --text-a 3 --text-b 4 --label 0 "$T/neg.tsv"
# JSON Lines: an integer label beyond --label-names
printf '{"s": "a b", "l": "yes"}\n{"s": "c", "l": 5}\n' > "$T/l.jsonl"
expect_fail 1 "l.jsonl: line 2: field 'l': label 5 is outside \[0, 2\)" \
	"$BINDIR/tok" --model "$T/m" -f jsonl --text-a s --label l --label-names no,yes "$T/l.jsonl"
# tok: a special token that is not a string in tokenizer_config.json
echo '{"do_lower_case": true, "unk_token": 5}' > "$T/m/tokenizer_config.json"
expect_fail 1 "^tok: $T/m/tokenizer_config.json: field 'unk_token': expected a string" \
	"$BINDIR/tok" --model "$T/m" --task mrpc "$T/mrpc.tsv"
echo '{"do_lower_case": true, "unk_token": {"content": 5}}' > "$T/m/tokenizer_config.json"
expect_fail 1 "field 'unk_token': expected a string" "$BINDIR/tok" --model "$T/m" --task mrpc "$T/mrpc.tsv"
echo '{"do_lower_case": true, "unk_token": {"content": "[UNK]"}, "mask_token": null}' > "$T/m/tokenizer_config.json"
"$BINDIR/tok" --model "$T/m" --task mrpc "$T/mrpc.tsv" > /dev/null || fail "AddedToken dict and null are fine"

# collate: string labels, mixed int/float labels, negative ids
j2m() { printf '%s\n' "$@" | "$BINDIR/json2msgpack" > "$T/in.mpk" || fail "json2msgpack $*"; }
ex() { echo "{\"idx\": $1, \"label\": $2, \"input_ids\": $3}"; }
j2m "$(ex 0 '"yes"' '[101, 102]')"
expect_fail 1 "^collate: $T/in.mpk: record 0: field 'label': expected an integer class or a float target, got a string" \
	"$BINDIR/collate" "$T/in.mpk"
j2m "$(ex 0 1 '[101, 102]')" "$(ex 1 0.5 '[101, 102]')"
expect_fail 1 "record 1: field 'label': a float, but record 0's is an integer" "$BINDIR/collate" "$T/in.mpk"
j2m "$(ex 0 0.5 '[101, 102]')" "$(ex 1 1 '[101, 102]')"
expect_fail 1 "record 1: field 'label': an integer, but record 0's is a float" "$BINDIR/collate" --shuffle "$T/in.mpk"
j2m "$(ex 0 1 '[101, 102]')" "$(ex 1 0 '[101, -5, 102]')"
expect_fail 1 "record 1: field 'input_ids': element 1: -5 is negative" "$BINDIR/collate" "$T/in.mpk"
j2m '{"idx": 0, "input_ids": [101, 102], "attention_mask": [1, 2]}'
expect_fail 1 "record 0: field 'attention_mask': element 1: 2 is not 0 or 1" "$BINDIR/collate" "$T/in.mpk"
j2m "$(ex 0 1 '[101, 102]')" "$(ex 1 -100 '[101, 102]')"
"$BINDIR/collate" "$T/in.mpk" > /dev/null || fail "collate refused -100, torch's ignore_index"
# nothing written on refusal
"$BINDIR/collate" -o "$T/c.mpk" "$T/nonexistent" 2>/dev/null
j2m "$(ex 0 '"yes"' '[101, 102]')"
"$BINDIR/collate" -o "$T/c.mpk" "$T/in.mpk" 2>/dev/null && fail "collate took a string label"
[ -e "$T/c.mpk" ] && fail "a refused collate left its -o file"

# glue-metric: a label or prediction that is not one of the task's classes
j2m '{"idx": 0, "label": 1, "prediction": 7}'
expect_fail 1 "^glue-metric: $T/in.mpk: record 0: field 'prediction': prediction 7 is not a class of the task \(0 to 1\)$" \
	"$BINDIR/glue-metric" mrpc "$T/in.mpk"
j2m '{"idx": 0, "label": 5, "prediction": 7}'
expect_fail 1 "record 0: field 'label': 5 is not a class of the task \(0 to 1\)" "$BINDIR/glue-metric" sst2 "$T/in.mpk"
j2m '{"idx": 0, "label": 2, "prediction": 1}' '{"idx": 1, "label": 0, "prediction": 2}'
"$BINDIR/glue-metric" mnli "$T/in.mpk" > "$T/m.json" || fail "mnli has 3 classes"
j2m '{"idx": 0, "label": 1, "logits": [0.1, 0.2, 0.9]}'
expect_fail 1 "record 0: field 'logits': argmax 2 is not a class of the task \(0 to 1\)" \
	"$BINDIR/glue-metric" rte "$T/in.mpk"
exit 0
