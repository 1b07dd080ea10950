#!/bin/bash
# scripts/fetch-mrpc.sh on a local fixture (the SentEval and GLUE files, as
# ../shared/data keeps them): the derived train/dev/test are GLUE's files
# byte for byte, from a file:// URL and from a folder; a second run fetches
# nothing; a source whose result does not match GLUE's checksums is refused
# and leaves nothing behind; glue.mk fetches MRPC when GLUE_DIR lacks it.
. "$PT_ROOT/tests/cli/lib.sh"
G=$DATA/glue/MRPC
[ -f "$G/original/msr_paraphrase_train.txt" ] || skip "no MRPC sources in $DATA"
F=$PT_ROOT/scripts/fetch-mrpc.sh
mkdir -p "$T/fx"
cp "$G/original/msr_paraphrase_train.txt" "$G/original/msr_paraphrase_test.txt" "$T/fx/"
cp "$G/dev_ids.tsv" "$T/fx/mrpc_dev_ids.tsv"
for src in "file://$T/fx" "$T/fx"; do
	rm -rf "$T/d"
	MRPC_SOURCE=$src "$F" "$T/d" 2>"$T/err" || fail "fetch from $src: $(cat "$T/err")"
	for f in train dev test; do cmp -s "$T/d/MRPC/$f.tsv" "$G/$f.tsv" || fail "$src: $f.tsv differs from GLUE's"; done
	grep -q "from $src/msr_paraphrase_train.txt" "$T/err" || fail "it does not say where it fetches from: $(cat "$T/err")"
	grep -q "train.tsv 3668 rows, dev.tsv 408, test.tsv 1725" "$T/err" || fail "no row counts: $(cat "$T/err")"
	grep -qF "$src/mrpc_dev_ids.tsv" "$T/d/MRPC/SOURCE.txt" || fail "SOURCE.txt: $(cat "$T/d/MRPC/SOURCE.txt")"
done
# done already: nothing fetched
MRPC_SOURCE=$T/nowhere "$F" "$T/d" 2>"$T/err" || fail "second run: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "second run fetched: $(cat "$T/err")"
# the official URLs by default (not reached here: -n)
grep -q 'https://dl.fbaipublicfiles.com/senteval/senteval_data' "$F" || fail "no official source"
# one changed byte in a sentence: refused, nothing written
mkdir -p "$T/bad"
cp "$T/fx/"* "$T/bad/"
sed -i '5s/ shares / shraes /' "$T/bad/msr_paraphrase_train.txt"
cmp -s "$T/bad/msr_paraphrase_train.txt" "$T/fx/msr_paraphrase_train.txt" && fail "the fixture was not changed"
MRPC_SOURCE=$T/bad "$F" "$T/b" 2>"$T/err" && fail "a corrupted source was accepted"
grep -q 'train.tsv (3668 rows) has sha256 .*refused' "$T/err" || fail "mismatch message: $(cat "$T/err")"
[ ! -e "$T/b/MRPC" ] && [ -z "$(ls "$T/b")" ] || fail "a refused fetch left files: $(ls -R "$T/b")"
# a missing file: one message, exit 1
rm "$T/bad/mrpc_dev_ids.tsv"
MRPC_SOURCE=$T/bad "$F" "$T/b" 2>"$T/err" && fail "a missing source was accepted"
grep -q 'mrpc_dev_ids.tsv: cannot read it' "$T/err" || fail "missing file message: $(cat "$T/err")"
# glue.mk: a GLUE_DIR without MRPC is filled by the fetch, then tokenized
mkdir -p "$T/tiny" "$T/w"
cp "$DATA/bert/bert-base-uncased/vocab.txt" "$DATA/bert/bert-base-uncased/tokenizer_config.json" "$T/tiny/"
echo '{"model_type": "bert", "vocab_size": 30522}' > "$T/tiny/config.json"
(cd "$T/w" && MRPC_SOURCE=$T/fx make --no-print-directory -f "$PT_ROOT/pipelines/glue.mk" BIN="$BINDIR" \
	MODEL="$T/tiny" GLUE_DIR="$T/g" out/mrpc/dev.tok.mpk) >"$T/make.log" 2>&1 || fail "glue.mk: $(tail -5 "$T/make.log")"
cmp -s "$T/g/MRPC/dev.tsv" "$G/dev.tsv" || fail "glue.mk did not fetch MRPC"
[ "$("$BINDIR/msgpack2json" < "$T/w/out/mrpc/dev.tok.mpk" | wc -l)" -eq 408 ] || fail "dev.tok.mpk"
# and with no ../shared at all it fetches into the checkout's data/glue
if [ ! -e "$PT_ROOT/data/glue/MRPC/train.tsv" ]; then
	(cd "$T/w" && make -n -f "$PT_ROOT/pipelines/glue.mk" SHARED="$T/noshared" BIN="$BINDIR" MODEL="$T/tiny") >"$T/make.log" 2>&1
	grep -qx "$PT_ROOT/scripts/fetch-mrpc.sh $PT_ROOT/data/glue" "$T/make.log" || fail "no fetch without ../shared: $(head -3 "$T/make.log")"
fi
exit 0
