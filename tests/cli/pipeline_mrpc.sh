# The course's view of MRPC: tok | collate | msgpack2json gives 3668/408/1725
# examples, batches of 8 (the last one shorter), each padded to its longest row.
. "$PT_ROOT/tests/cli/lib.sh"
M=$DATA/bert/bert-base-uncased
G=$DATA/glue/MRPC
for split in train:3668 dev:408 test:1725; do
	name=${split%:*} want=${split#*:}
	"$BINDIR/tok" --model "$M" --task mrpc -o "$T/$name.mpk" < "$G/$name.tsv" || fail "tok $name"
	n=$("$BINDIR/msgpack2json" < "$T/$name.mpk" | wc -l)
	[ "$n" -eq "$want" ] || fail "$name: $n examples, expected $want"
	"$BINDIR/collate" < "$T/$name.mpk" | "$BINDIR/msgpack2json" > "$T/$name.jsonl" || fail "collate $name"
	# per batch: rows, padded length T, longest real row (attention_mask sum)
	awk -v want="$want" -v name="$name" '
	{
		s = $0
		sub(/.*"attention_mask": \[\[/, "", s); sub(/\]\].*/, "", s)
		nrows = split(s, rows, /\], \[/)
		longest = 0
		for (i = 1; i <= nrows; i++) {
			len = split(rows[i], v, /, /)
			ones = 0
			for (j = 1; j <= len; j++) ones += (v[j] == 1)
			if (i == 1) T = len
			else if (len != T) { printf "%s batch %d: ragged rows\n", name, NR; exit 1 }
			if (ones > longest) longest = ones
		}
		if (longest != T) { printf "%s batch %d: padded to %d, longest row %d\n", name, NR, T, longest; exit 1 }
		if (nrows != 8 && NR != int((want + 7) / 8)) { printf "%s batch %d: %d rows\n", name, NR, nrows; exit 1 }
		total += nrows
	}
	END {
		if (NR != int((want + 7) / 8) || total != want) { printf "%s: %d batches, %d rows\n", name, NR, total; exit 1 }
	}' "$T/$name.jsonl" || fail "$name batches"
done
# labels survive: MRPC train has 2474 positives
pos=$("$BINDIR/msgpack2json" < "$T/train.mpk" | grep -c '"label": 1,')
[ "$pos" -eq 2474 ] || fail "train: $pos positive labels, expected 2474"
exit 0
