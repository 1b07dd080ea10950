#!/bin/bash
# Every numeric option of every tool is finite, in range and checked before
# any work, with one message format (issue 13, defects 2 and 3: --epochs
# inf ran 0 steps and exited 0, --lr inf and --weight-decay inf died at
# step 1 with a NaN loss, --warmup-ratio inf overflowed in the schedule,
# collate --pad-id 99999999999 was taken).
. "$PT_ROOT/tests/cli/lib.sh"
for t in train predict collate tok; do [ -x "$BINDIR/$t" ] || skip "$t not built"; done
# refused: exit 2, "TOOL: --OPT: expected ..., got 'V'" and the --help hint
refused() { # tool option value pattern
	local tool=$1 opt=$2 val=$3 pat=$4
	expect_fail 2 "^$tool: $opt: expected $pat, got '$val'\$" "$BINDIR/$tool" "${@:5}" "$opt" "$val"
	grep -q "^Try '$tool --help'" "$T/err" || fail "$tool $opt $val: no --help hint"
}
# train: the values are refused before the model or the input is read
TR=(--model "$T/nomodel" --output-dir "$T/run")
for v in inf -inf nan 1e300 0 -1 2 1x ''; do refused train --lr "$v" "a number in \(0, 1\]" "${TR[@]}"; done
for v in inf 1e300 0 -1 nan 1e7; do refused train --epochs "$v" "a number in \(0, 1e\+06\]" "${TR[@]}"; done
for v in inf nan -0.1 1.5; do refused train --weight-decay "$v" "a number in \[0, 1\]" "${TR[@]}"; done
for v in inf nan -0.1 1.5; do refused train --warmup-ratio "$v" "a number in \[0, 1\]" "${TR[@]}"; done
for v in inf nan -1; do refused train --max-grad-norm "$v" "a finite number >= 0" "${TR[@]}"; done
for v in 0 -5 1.5 9007199254740993 99999999999999999999; do
	refused train --max-steps "$v" "an integer in \[1, 9007199254740992\]" "${TR[@]}"
done
refused train --warmup-steps -1 "an integer in \[0, 9007199254740992\]" "${TR[@]}"
refused train --seed -1 "an integer >= 0" "${TR[@]}"
refused train --seed 1e3 "an integer >= 0" "${TR[@]}"
refused train --logging-steps 0 "an integer >= 1" "${TR[@]}"
refused train --eval-steps 0 "an integer >= 1" "${TR[@]}"
refused train --save-steps -1 "an integer >= 0" "${TR[@]}"
refused train --save-total-limit 3000000000 "an integer in \[0, 2147483647\]" "${TR[@]}"
refused train --num-labels 0 "an integer in \[1, 1048576\]" "${TR[@]}"
[ -e "$T/run" ] && fail "a refused train created its output dir"
# the other tools
refused predict --seed -3 "an integer >= 0" --model "$T/nomodel"
refused collate --pad-id 99999999999 "an integer in \[0, 2147483647\]"
refused collate --pad-id -1 "an integer in \[0, 2147483647\]"
refused collate --batch-size 0 "an integer in \[1, 65536\]"
refused collate --batch-size 1e9 "an integer in \[1, 65536\]"
refused collate --pad-to-multiple-of 99999999 "an integer in \[1, 65536\]"
refused collate --seed nan "an integer >= 0" --shuffle
refused tok --max-length 2 "an integer in \[3, 2147483647\]" --model "$T/nomodel" --task mrpc
refused tok --max-length 1e9 "an integer in \[3, 2147483647\]" --model "$T/nomodel" --task mrpc
# the edges are taken
. "$PT_ROOT/tests/cli/lib_train.sh"
train_tiny "$T/ok" --max-steps 2 --lr 1 --weight-decay 1 --warmup-ratio 1 --max-grad-norm 0 2>"$T/log" \
	|| fail "train at the edges of the ranges: $(cat "$T/log")"
"$BINDIR/collate" --pad-id 2147483647 --batch-size 65536 < "$T/tok.mpk" > /dev/null || fail "collate at the edges"
exit 0
