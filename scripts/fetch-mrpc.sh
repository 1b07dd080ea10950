#!/bin/sh
# scripts/fetch-mrpc.sh DEST: fetches MRPC from the sources GLUE's own
# download_glue_data.py (and Hugging Face's glue/mrpc) use, and derives
# DEST/MRPC/{train,dev,test}.tsv exactly as that script does:
#   msr_paraphrase_train.txt, msr_paraphrase_test.txt (SentEval's copies, from
#   https://dl.fbaipublicfiles.com/senteval/senteval_data/) and
#   mrpc_dev_ids.tsv (https://dl.fbaipublicfiles.com/glue/data/);
#   train.tsv and dev.tsv: the header of msr_paraphrase_train.txt, then each
#   row (stripped, split on tabs into label, id1, id2, s1, s2) to dev.tsv when
#   its id pair is in mrpc_dev_ids.tsv, else to train.tsv; test.tsv: the
#   header "index #1 ID #2 ID #1 String #2 String", then each test row
#   numbered from 0 in place of its label.
# The results must have the sha256 (and so the 3668/408/1725 rows) of the
# GLUE files; a mismatch is refused and nothing is written. DEST/MRPC is
# written whole or not at all (the fetched files in original/ and
# dev_ids.tsv, as in ../shared/data), with SOURCE.txt saying where it came
# from.
# Idempotent.
# MRPC_SOURCE: a URL or a local folder that holds the three files under those
# names, instead of the two URLs above (tests use a local fixture).
set -eu
DEST=${1:?usage: fetch-mrpc.sh DEST}
SENTEVAL=https://dl.fbaipublicfiles.com/senteval/senteval_data
GLUE=https://dl.fbaipublicfiles.com/glue/data
SHA_TRAIN=69abcedee3cf738c6ce58d772e43e1b7cdf5b4edee4aceda459c0d9f4e5599f3
SHA_DEV=9e8f284788040f7c9ecde2e1b3c07237c756f926bd9ef8548ef5d34b56f69f17
SHA_TEST=aee460ceda833926b8ab2ad952d399f5cf8bc9335cff19afcac03dc449558622
export LC_ALL=C
me=fetch-mrpc

check() { # DIR: every derived file has its known sha256
	printf '%s  %s\n' $SHA_TRAIN "$1/train.tsv" $SHA_DEV "$1/dev.tsv" $SHA_TEST "$1/test.tsv" |
		sha256sum -c --quiet --status - 2>/dev/null
}
[ -d "$DEST/MRPC" ] && check "$DEST/MRPC" && exit 0

# fetch NAME URL-OR-FOLDER OUT
fetch() {
	case $2 in
	*://*)
		echo "$me: fetching $1 from $2" >&2
		if command -v curl >/dev/null; then curl -fsSL -o "$3" "$2"
		elif command -v wget >/dev/null; then wget -q -O "$3" "$2"
		else python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$2" "$3"
		fi || { echo "$me: $2: download failed" >&2; return 1; } ;;
	*)
		echo "$me: copying $1 from $2" >&2
		cp "$2" "$3" || { echo "$me: $2: cannot read it" >&2; return 1; } ;;
	esac
}

mkdir -p "$DEST"
tmp=$DEST/MRPC.tmp.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir "$tmp"
if [ -n "${MRPC_SOURCE:-}" ]; then
	src_train=$MRPC_SOURCE/msr_paraphrase_train.txt
	src_test=$MRPC_SOURCE/msr_paraphrase_test.txt
	src_ids=$MRPC_SOURCE/mrpc_dev_ids.tsv
else
	src_train=$SENTEVAL/msr_paraphrase_train.txt
	src_test=$SENTEVAL/msr_paraphrase_test.txt
	src_ids=$GLUE/mrpc_dev_ids.tsv
fi
mkdir "$tmp/original"
fetch msr_paraphrase_train.txt "$src_train" "$tmp/original/msr_paraphrase_train.txt"
fetch msr_paraphrase_test.txt "$src_test" "$tmp/original/msr_paraphrase_test.txt"
fetch mrpc_dev_ids.tsv "$src_ids" "$tmp/dev_ids.tsv"

# Python's row.strip().split('\t') with exactly five fields
awk -v me=$me -v out="$tmp" '
function strip(s) { sub(/^[ \t\r\n\v\f]+/, "", s); sub(/[ \t\r\n\v\f]+$/, "", s); return s }
FNR == 1 && FILENAME ~ /msr_paraphrase_train/ { print > (out "/train.tsv"); print > (out "/dev.tsv"); next }
FNR == 1 && FILENAME ~ /msr_paraphrase_test/ { print "index\t#1 ID\t#2 ID\t#1 String\t#2 String" > (out "/test.tsv"); next }
FILENAME ~ /dev_ids/ { n = split(strip($0), f, "\t"); dev[f[1] "\t" f[2]] = 1; next }
{
	n = split(strip($0), f, "\t")
	if (n != 5) { printf "%s: %s: line %d: %d tab-separated fields, expected 5\n", me, FILENAME, FNR, n > "/dev/stderr"; bad = 1; exit 1 }
	if (FILENAME ~ /msr_paraphrase_test/)
		printf "%d\t%s\t%s\t%s\t%s\n", FNR - 2, f[2], f[3], f[4], f[5] > (out "/test.tsv")
	else
		printf "%s\t%s\t%s\t%s\t%s\n", f[1], f[2], f[3], f[4], f[5] > (out ((f[2] "\t" f[3]) in dev ? "/dev.tsv" : "/train.tsv"))
}' "$tmp/dev_ids.tsv" "$tmp/original/msr_paraphrase_train.txt" "$tmp/original/msr_paraphrase_test.txt"

rows() { echo $(($(wc -l <"$1") - 1)); }
if ! check "$tmp"; then
	for f in train:$SHA_TRAIN dev:$SHA_DEV test:$SHA_TEST; do
		got=$(sha256sum <"$tmp/${f%%:*}.tsv" | cut -d' ' -f1)
		[ "$got" = "${f#*:}" ] || echo "$me: ${f%%:*}.tsv ($(rows "$tmp/${f%%:*}.tsv") rows) has sha256 $got, GLUE's has ${f#*:} (3668/408/1725 rows): refused; nothing written to $DEST/MRPC" >&2
	done
	exit 1
fi
{
	echo "MRPC as GLUE's download_glue_data.py derives it (scripts/fetch-mrpc.sh), fetched $(date -u +%Y-%m-%dT%H:%M:%SZ) from:"
	echo "  $src_train"
	echo "  $src_test"
	echo "  $src_ids"
	echo "sha256 checked: train.tsv $SHA_TRAIN, dev.tsv $SHA_DEV, test.tsv $SHA_TEST"
} >"$tmp/SOURCE.txt"
rm -rf "$DEST/MRPC"
mv "$tmp" "$DEST/MRPC"
trap - EXIT
echo "$me: $DEST/MRPC ready: train.tsv $(rows "$DEST/MRPC/train.tsv") rows, dev.tsv $(rows "$DEST/MRPC/dev.tsv"), test.tsv $(rows "$DEST/MRPC/test.tsv"), sha256 checked (SOURCE.txt)" >&2
