"""Reference side of bench/tok/run.sh: BertTokenizerFast on one GLUE TSV,
single-threaded, batches of 1000 as datasets.map(batched=True)."""
import csv, os, sys, time
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
from transformers import BertTokenizerFast

COLS = {"sst2": ("sentence", None), "mrpc": ("#1 String", "#2 String")}
model, task, path = sys.argv[1:4]
tok = BertTokenizerFast.from_pretrained(model)
t0 = time.perf_counter()  # after imports and loading: tokenizing time only
with open(path, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
head, rows = rows[0], rows[1:]
ka, kb = COLS[task]
ia, ib = head.index(ka), (head.index(kb) if kb else None)
out = []
for i in range(0, len(rows), 1000):
    chunk = rows[i:i + 1000]
    a = [r[ia] for r in chunk]
    enc = tok(a, [r[ib] for r in chunk], truncation=True) if ib is not None else tok(a, truncation=True)
    out.extend(enc["input_ids"])
elapsed = time.perf_counter() - t0
if os.environ.get("BENCH_OUT"):
    with open(os.environ["BENCH_OUT"], "w") as f:
        f.write("%.6f\n" % elapsed)
print(len(out), sum(map(len, out)))
