#!/usr/bin/env python3
"""Golden fixtures for `tok`: BertTokenizerFast(truncation=True) ids for every
GLUE file in ../shared/data/glue with bert-base-uncased and bert-base-cased,
and for the hand-written edge cases in tests/golden/tok_edge_cases.jsonl.

Writes tests/golden/fixtures/tok/:
  glue/<TASK>_<split>.txt.gz  one line per example: "LABEL DIGEST_UNCASED DIGEST_CASED"
                              (LABEL '-' when the file has none)
  glue_head.txt               full ids of the first 3 examples of every file
  mrpc_dev_ml32.txt           digests of MRPC dev with max_length=32 (--max-length)
  edge.txt                    full ids of every edge case, per model and max length

DIGEST: h = 0; for v in input_ids + [-1] + token_type_ids: h = (h*1000003 + v + 1) % 2147483647
(tests/cli/tok_glue.sh computes the same with awk from msgpack2json output).
A canonical line is "input_ids=101 7592 102;token_type_ids=0 0 0".

Run: python tests/golden/make_tok_fixtures.py  (needs transformers, tokenizers)
"""
import csv, gzip, json, os, sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
from transformers import BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
GLUE = os.path.join(SHARED, "data", "glue")
BERT = os.path.join(SHARED, "data", "bert")
OUT = os.path.join(ROOT, "tests", "golden", "fixtures", "tok")
EDGE = os.path.join(ROOT, "tests", "golden", "tok_edge_cases.jsonl")

# task -> (dir, text_a, text_b, label column, label names, regression, headerless (a, label))
TASKS = {
    "cola": ("CoLA", "sentence", None, "label", None, False, (3, 1)),
    "sst2": ("SST-2", "sentence", None, "label", None, False, None),
    "mrpc": ("MRPC", "#1 String", "#2 String", "Quality", None, False, None),
    "stsb": ("STS-B", "sentence1", "sentence2", "score", None, True, None),
    "qnli": ("QNLI", "question", "sentence", "label", ["entailment", "not_entailment"], False, None),
    "rte": ("RTE", "sentence1", "sentence2", "label", ["entailment", "not_entailment"], False, None),
    "wnli": ("WNLI", "sentence1", "sentence2", "label", ["not_entailment", "entailment"], False, None),
    "ax": ("diagnostic", "sentence1", "sentence2", "label", None, False, None),
}


def read_glue(task, path):
    """Examples as HF's GLUE processors see them: tab split, no quoting."""
    d, ka, kb, kl, names, regression, headerless = TASKS[task]
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if headerless and rows[0][0] != "index":
        ia, ib, il = headerless[0], None, headerless[1]
    else:
        head, rows = rows[0], rows[1:]
        ia = head.index(ka)
        ib = head.index(kb) if kb else None
        il = head.index(kl) if kl in head else None
    out = []
    for r in rows:
        label = None
        if il is not None:
            v = r[il]
            if regression:
                label = float(v)
            elif names and v in names:
                label = names.index(v)
            else:
                label = int(v)
        out.append((r[ia], r[ib] if ib is not None else None, label))
    return out, regression


def digest(ids, types):
    h = 0
    for v in list(ids) + [-1] + list(types):
        h = (h * 1000003 + v + 1) % 2147483647
    return h


def canon(ids, types):
    return "input_ids=%s;token_type_ids=%s" % (" ".join(map(str, ids)), " ".join(map(str, types)))


def encode(tok, exs, **kw):
    """[(ids, types)] for examples [(a, b, ...)], batched like datasets.map."""
    res = []
    pairs = [e for e in exs if e[1] is not None]
    assert len(pairs) in (0, len(exs))
    for i in range(0, len(exs), 1000):
        chunk = exs[i:i + 1000]
        a = [e[0] for e in chunk]
        if pairs:
            enc = tok(a, [e[1] for e in chunk], truncation=True, **kw)
        else:
            enc = tok(a, truncation=True, **kw)
        res += list(zip(enc["input_ids"], enc["token_type_ids"]))
    return res


def label_text(label, regression):
    if label is None:
        return "-"
    if regression:
        import numpy as np
        return repr(float(np.float32(label)))
    return str(label)


def main():
    toks = {m: BertTokenizerFast.from_pretrained(os.path.join(BERT, m))
            for m in ("bert-base-uncased", "bert-base-cased")}
    for t in toks.values():
        assert t.model_max_length == 512
    os.makedirs(os.path.join(OUT, "glue"), exist_ok=True)
    head = []
    for task, spec in TASKS.items():
        d = os.path.join(GLUE, spec[0])
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".tsv") or fn == "dev_ids.tsv":
                continue
            exs, regression = read_glue(task, os.path.join(d, fn))
            enc = {m: encode(t, exs) for m, t in toks.items()}
            name = "%s_%s" % (task, fn[:-4])
            lines = ["%s %d %d\n" % (label_text(e[2], regression),
                                     digest(*enc["bert-base-uncased"][i]), digest(*enc["bert-base-cased"][i]))
                     for i, e in enumerate(exs)]
            with gzip.GzipFile(os.path.join(OUT, "glue", name + ".txt.gz"), "wb", mtime=0) as f:
                f.write("".join(lines).encode())
            for i in range(min(3, len(exs))):
                for m in toks:
                    head.append("%s %d %s %s\n" % (name, i, m, canon(*enc[m][i])))
            print(name, len(exs), file=sys.stderr)
    with open(os.path.join(OUT, "glue_head.txt"), "w") as f:
        f.writelines(head)
    exs, _ = read_glue("mrpc", os.path.join(GLUE, "MRPC", "dev.tsv"))
    enc = encode(toks["bert-base-uncased"], exs, max_length=32)
    with open(os.path.join(OUT, "mrpc_dev_ml32.txt"), "w") as f:
        f.writelines("%d\n" % digest(*e) for e in enc)
    # Edge cases: one JSON object per line, {"a": text, "b": text (optional)}.
    with open(EDGE, encoding="utf-8") as f:
        cases = [json.loads(l) for l in f if l.strip()]
    lines = []
    for m, t in toks.items():
        for ml in (None, 20):
            kw = {"max_length": ml} if ml else {}
            for i, c in enumerate(cases):
                # Batched, as datasets.map(batched=True) calls it: an empty
                # text b is then still a pair ([CLS] A [SEP] [SEP]), which a
                # single-example call would turn into a single sentence.
                if c.get("b") is None:
                    e = t([c["a"]], truncation=True, **kw)
                else:
                    e = t([c["a"]], [c["b"]], truncation=True, **kw)
                lines.append("%s %d %d %s\n" % (m, ml or 512, i, canon(e["input_ids"][0], e["token_type_ids"][0])))
    with open(os.path.join(OUT, "edge.txt"), "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main()
