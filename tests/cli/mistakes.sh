# Issue 15 item 6: mistakes caught, with the fix in the message: ids from
# another tokenizer than the model's (cased records, uncased model), a
# stage's output fed to the wrong tool, binary records to a terminal, a
# model without a trained head in predict, and the input format taken
# from a .jsonl or .csv file's extension.
. "$PT_ROOT/tests/cli/lib.sh"
. "$PT_ROOT/tests/cli/lib_model.sh"
[ -f "$DATA/glue/MRPC/dev.tsv" ] || skip "no MRPC in $DATA"
TOK=$BINDIR/tok C=$BINDIR/collate TR=$BINDIR/train P=$BINDIR/predict G=$BINDIR/glue-metric
mk_default_model "$T/uncased"
head -n 17 "$DATA/glue/MRPC/dev.tsv" >"$T/dev.tsv"

# cased records, uncased model: refused by train and predict, naming both
"$TOK" -m "$DATA/bert/bert-base-cased" -t mrpc --max-length 64 "$T/dev.tsv" -o "$T/cased.tok" || fail "tok cased"
"$C" -o "$T/cased.mpk" "$T/cased.tok" || fail "collate"
both="record 0: field 'tokenizer': these ids were made by a cased tokenizer of 28996 tokens \(cased-28996-[0-9a-f]{16}\), but the model $T/uncased uses an uncased tokenizer of 30522 tokens \(uncased-30522-[0-9a-f]{16}\): tokenize the text again with tok --model $T/uncased"
expect_fail 1 "^train: $T/cased.mpk: $both\$" "$TR" --model "$T/uncased" --output-dir "$T/o" --no-progress "$T/cased.mpk"
[ -e "$T/o/model.safetensors" ] && fail "a refused run wrote a model"
expect_fail 1 "^predict: $T/cased.mpk: $both\$" "$P" --model "$T/uncased" "$T/cased.mpk"
# the same records from the model's own tokenizer pass; a stream mixing both is refused by collate
"$TOK" -m "$T/uncased" -t mrpc "$T/dev.tsv" -o "$T/uncased.tok" 2>/dev/null || fail "tok uncased"
"$C" "$T/uncased.tok" | "$P" --model "$T/uncased" >/dev/null 2>"$T/err" || fail "matching tokenizer refused: $(cat "$T/err")"
cat "$T/uncased.tok" "$T/cased.tok" >"$T/mixed.tok"
expect_fail 1 "mixed.tok: record 16: field 'tokenizer': differs from record 0's \"uncased-30522-[0-9a-f]+\": the input mixes streams made with different tokenizers" \
	"$C" "$T/mixed.tok"

# a stage's output fed to the wrong tool
expect_fail 1 "^train: $T/uncased.tok: record 0: these are tok records, not batches: pipe them through collate \(tok \.\.\. \| collate \| train\)$" \
	"$TR" --model "$T/uncased" --output-dir "$T/o" --no-progress "$T/uncased.tok"
expect_fail 1 "^predict: $T/uncased.tok: record 0: these are tok records, not batches: pipe them through collate" \
	"$P" --model "$T/uncased" "$T/uncased.tok"
"$C" -o "$T/b.mpk" "$T/uncased.tok" || fail collate
expect_fail 1 "^collate: $T/b.mpk: record 0: these are batches \(collate's output\), not tok records" "$C" "$T/b.mpk"
expect_fail 1 "^glue-metric: $T/b.mpk: record 0: these are batches, not predictions: pipe them through predict" "$G" mrpc "$T/b.mpk"
expect_fail 1 "^glue-metric: $T/uncased.tok: record 0: these are tok records, not predictions: pipe them through collate and predict" \
	"$G" mrpc "$T/uncased.tok"
"$P" --model "$T/uncased" "$T/b.mpk" >"$T/pred.mpk" 2>/dev/null || fail predict
expect_fail 1 "^train: $T/pred.mpk: record 0: these are predict's records \(logits, prediction\), not batches" \
	"$TR" --model "$T/uncased" --output-dir "$T/o" --no-progress "$T/pred.mpk"
expect_fail 1 "^collate: $T/pred.mpk: record 0: these are predict's records, not tok records" "$C" "$T/pred.mpk"

# binary to a terminal: refused, as gzip does; a pipe or file is fine
for cmd in "$TOK -m $T/uncased -t mrpc $T/dev.tsv" "$C $T/uncased.tok"; do
	script -qec "$cmd" /dev/null </dev/null >"$T/tty.out" 2>&1 && fail "'$cmd' wrote binary to a terminal"
	grep -q "binary records not written to a terminal: redirect them" "$T/tty.out" || fail "'$cmd' on a terminal: $(cat "$T/tty.out")"
	script -qec "$cmd | cat >/dev/null" /dev/null </dev/null >"$T/tty.out" 2>&1 || fail "'$cmd | cat' refused: $(cat "$T/tty.out")"
done

# predict with a model whose classifier was never trained: refused unless asked
F=$PT_ROOT/tests/golden/fixtures/checkpoint
expect_fail 1 "^predict: $F/bare: no trained classifier \(classifier.weight is not in its checkpoint\): .* or pass --allow-new-head$" \
	"$P" --model "$F/bare" "$F/bare_batches.mpk"
"$P" --model "$F/bare" --allow-new-head "$F/bare_batches.mpk" 2>/dev/null | "$BINDIR/msgpack2json" | grep -q prediction ||
	fail "--allow-new-head"

# .jsonl and .csv files without --format: the format from the extension
printf '{"s": "a good film", "y": 1}\n{"s": "a bad one", "y": 0}\n' >"$T/x.jsonl"
printf 's,y\n"a good film",1\n"a bad one",0\n' >"$T/x.csv"
printf 's\ty\na good film\t1\na bad one\t0\n' >"$T/x.tsv"
for f in x.jsonl x.csv x.tsv; do
	"$TOK" -m "$T/uncased" --text-a s --label y "$T/$f" -o "$T/$f.mpk" 2>"$T/err" || fail "tok $f: $(cat "$T/err")"
done
cmp -s "$T/x.jsonl.mpk" "$T/x.tsv.mpk" || fail ".jsonl read as another format"
cmp -s "$T/x.csv.mpk" "$T/x.tsv.mpk" || fail ".csv read as another format"
exit 0
