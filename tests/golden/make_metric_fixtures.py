#!/usr/bin/env python3
"""Golden fixtures for glue-metric and lib/pyfloat (tests/golden/fixtures/metrics/).

For every evaluate GLUE config, varied prediction sets (ties, degenerate
cases, large sizes) written as predict-like JSON Lines records, and the JSON
text that evaluate.load("glue", CONFIG).compute() returns, printed with
json.dumps. The computation is the one in evaluate's metrics/glue/glue.py:
inputs cast to int64 (float32 for stsb, as its Features declare), then
sklearn's matthews_corrcoef / f1_score and SciPy's pearsonr / spearmanr.
Set EVALUATE_GLUE=/dir/holding/glue.py (a checkout of evaluate's
metrics/glue) to also run evaluate itself and assert that it agrees.

Also pyfloat.txt: float64 and float32 bit patterns with Python's repr of
them (float32: the shortest float32 digits in Python's layout).

Rerun: /tmp/ref/bin/python tests/golden/make_metric_fixtures.py
"""
import json
import os
import struct
import sys

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import f1_score, matthews_corrcoef

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "metrics")
ACC = ["sst2", "mnli", "mnli_matched", "mnli_mismatched", "qnli", "rte", "wnli", "hans"]


def f32_text(v):
    """The shortest float32 repr in Python's layout (what msgpack2json prints)."""
    return repr(float(np.format_float_scientific(np.float32(v), unique=True)))


def compute(task, preds, refs):
    """evaluate's glue.py _compute, after its Features cast."""
    if task == "stsb":
        p = np.asarray(preds, dtype=np.float32)
        r = np.asarray(refs, dtype=np.float32)
        return {"pearson": float(pearsonr(p, r)[0]), "spearmanr": float(spearmanr(p, r)[0])}
    p = np.asarray(preds, dtype=np.int64)
    r = np.asarray(refs, dtype=np.int64)
    if task == "cola":
        return {"matthews_correlation": matthews_corrcoef(r, p)}
    acc = float((p == r).mean())
    if task in ("mrpc", "qqp"):
        return {"accuracy": acc, "f1": float(f1_score(y_true=r, y_pred=p))}
    return {"accuracy": acc}


def with_evaluate(task, preds, refs):
    import evaluate
    m = evaluate.load(os.environ["EVALUATE_GLUE"], task)
    return m.compute(predictions=list(preds), references=list(refs))


def write_case(cases, name, task, labels, preds=None, logits=None):
    """preds: ints (or floats for stsb) stored as `prediction`; logits: rows
    stored as `logits` (predictions then come from them)."""
    lines = []
    n = len(labels)
    used = []
    for i in range(n):
        rec = ['"idx": %d' % i]
        lab = labels[i]
        rec.append('"label": %s' % (repr(float(lab)) if task == "stsb" else int(lab)))
        if logits is not None:
            row = np.asarray(logits[i], dtype=np.float32)
            rec.append('"logits": [%s]' % ", ".join(f32_text(x) for x in row))
            used.append(float(row[0]) if task == "stsb" else int(np.argmax(row)))
        if preds is not None:
            pv = preds[i]
            rec.append('"prediction": %s' % (f32_text(pv) if task == "stsb" else int(pv)))
            used[i:i + 1] = [float(np.float32(pv)) if task == "stsb" else int(pv)]
        lines.append("{" + ", ".join(rec) + "}\n")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compute(task, used, labels)
        if os.environ.get("EVALUATE_GLUE"):
            ev = with_evaluate(task, used, labels)
            assert json.dumps(ev) == json.dumps(res), (name, ev, res)
    with open(os.path.join(OUT, name + ".jsonl"), "w") as f:
        f.writelines(lines)
    cases.append("%s %s %s" % (name, task, json.dumps(res)))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)
    cases = []

    # accuracy-only configs
    for t, task in enumerate(ACC):
        k = 3 if task.startswith("mnli") else 2
        for n in (1, 7, 250):
            lab = rng.integers(0, k, n)
            pred = np.where(rng.random(n) < 0.7, lab, rng.integers(0, k, n))
            write_case(cases, "%s_n%d" % (task, n), task, lab, preds=pred)
        lab = rng.integers(0, k, 300)
        write_case(cases, task + "_logits", task, lab, logits=rng.normal(size=(300, k)))
    write_case(cases, "sst2_large", "sst2", rng.integers(0, 2, 3000),
               logits=rng.normal(size=(3000, 2)))
    write_case(cases, "rte_allright", "rte", [0, 1, 1, 0, 1], preds=[0, 1, 1, 0, 1])
    write_case(cases, "qnli_allwrong", "qnli", [0, 1, 1, 0], preds=[1, 0, 0, 1])
    # logits with ties: np.argmax takes the first maximum
    write_case(cases, "mnli_tied_logits", "mnli", [0, 1, 2, 2],
               logits=[[1, 1, 0], [0, 2, 2], [3, 3, 3], [-1, -2, -1]])

    # accuracy + f1
    for task in ("mrpc", "qqp"):
        for n in (3, 50, 408):
            lab = rng.integers(0, 2, n)
            pred = np.where(rng.random(n) < 0.8, lab, 1 - lab)
            write_case(cases, "%s_n%d" % (task, n), task, lab, preds=pred)
        write_case(cases, task + "_logits", task, rng.integers(0, 2, 200),
                   logits=rng.normal(size=(200, 2)))
    write_case(cases, "mrpc_allzero_pred", "mrpc", [1, 0, 1, 1], preds=[0, 0, 0, 0])
    write_case(cases, "mrpc_allone_pred", "mrpc", [1, 0, 0, 1], preds=[1, 1, 1, 1])
    write_case(cases, "mrpc_no_positive", "mrpc", [0, 0, 0], preds=[0, 0, 0])
    write_case(cases, "mrpc_all_positive", "mrpc", [1, 1], preds=[1, 1])
    write_case(cases, "qqp_large", "qqp", rng.integers(0, 2, 5000),
               preds=rng.integers(0, 2, 5000))

    # matthews correlation
    for n in (2, 9, 1043):
        lab = rng.integers(0, 2, n)
        pred = np.where(rng.random(n) < 0.75, lab, 1 - lab)
        write_case(cases, "cola_n%d" % n, "cola", lab, preds=pred)
    write_case(cases, "cola_logits", "cola", rng.integers(0, 2, 500),
               logits=rng.normal(size=(500, 2)))
    write_case(cases, "cola_constant_pred", "cola", [0, 1, 1, 0, 1], preds=[1, 1, 1, 1, 1])
    write_case(cases, "cola_constant_both", "cola", [1, 1, 1], preds=[1, 1, 1])
    write_case(cases, "cola_perfect", "cola", [0, 1, 1, 0], preds=[0, 1, 1, 0])
    write_case(cases, "cola_inverse", "cola", [0, 1, 1, 0], preds=[1, 0, 0, 1])
    write_case(cases, "cola_large", "cola", rng.integers(0, 2, 5000),
               preds=rng.integers(0, 2, 5000))

    # pearson / spearman: float32 arithmetic, pairwise-sum and sdot block
    # boundaries, ties, constants
    for n in (2, 3, 7, 8, 31, 32, 33, 64, 100, 128, 129, 257, 1500, 4099):
        lab = np.round(rng.uniform(0, 5, n) * 5) / 5          # STS-B-like, many ties
        pred = lab + rng.normal(scale=1.0, size=n)
        write_case(cases, "stsb_n%d" % n, "stsb", lab, preds=pred)
    n = 1500
    lab = np.round(rng.uniform(0, 5, n), 3)
    write_case(cases, "stsb_logits", "stsb", lab, logits=(lab + rng.normal(size=n))[:, None])
    write_case(cases, "stsb_offset", "stsb", 1000 + rng.normal(size=600),
               preds=1000 + rng.normal(size=600))
    write_case(cases, "stsb_int_ties", "stsb", rng.integers(0, 3, 200).astype(float),
               preds=rng.integers(0, 4, 200).astype(float))
    write_case(cases, "stsb_constant_pred", "stsb", [0.0, 1.5, 3.2, 5.0], preds=[2.5] * 4)
    write_case(cases, "stsb_constant_label", "stsb", [3.0] * 5, preds=[0.5, 1, 2, 3, 4.25])
    write_case(cases, "stsb_perfect", "stsb", [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
               preds=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    write_case(cases, "stsb_anti", "stsb", [0.0, 1.0, 2.0, 3.0], preds=[3.0, 2.0, 1.0, 0.0])
    write_case(cases, "stsb_two", "stsb", [1.0, 4.2], preds=[0.3, 0.1])
    write_case(cases, "stsb_large", "stsb", np.round(rng.uniform(0, 5, 8000) * 5) / 5,
               preds=rng.uniform(0, 5, 8000))

    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("# name task expected-json (evaluate's result as json.dumps prints it)\n")
        f.write("\n".join(cases) + "\n")

    # Python's float repr
    rs = np.random.default_rng(7)
    with open(os.path.join(OUT, "pyfloat.txt"), "w") as f:
        f.write("# d HEX-of-float64-bits repr | f HEX-of-float32-bits shortest-float32-in-Python-layout\n")
        d = [0.0, -0.0, 1.0, 2.0, 0.1, 0.3, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5,
             0.00012345, 123456789012345678.0, 5e-324, 1.7976931348623157e308, 2.0 ** 60,
             0.8578431372549019, -1234.5]
        d += list(rs.normal(size=300) * 10.0 ** rs.integers(-30, 30, 300))
        d += [2.0 ** int(e) for e in rs.integers(-1074, 1024, 200)]
        bits = rs.integers(0, 2 ** 63, 1500, dtype=np.int64).view(np.float64)
        d += [float(x) for x in bits if np.isfinite(x)]
        for v in d:
            f.write("d %s %s\n" % (struct.pack(">d", v).hex(), repr(float(v))))
        fv = [np.float32(x) for x in (0.1, 1.0, 3.8, 1e-5, 1e16, 16777216.0, 2.0 ** -149, 3.4028235e38, -2.5)]
        fv += list(rs.normal(size=300).astype(np.float32))
        fv += [np.float32(2.0 ** int(e)) for e in rs.integers(-149, 128, 200)]
        bits = rs.integers(0, 2 ** 31, 1500, dtype=np.int64).astype(np.uint32).view(np.float32)
        fv += [x for x in bits if np.isfinite(x)]
        for v in fv:
            f.write("f %s %s\n" % (struct.pack(">f", v).hex(), f32_text(v)))
    print("%d cases written to %s" % (len(cases), OUT))


if __name__ == "__main__":
    sys.exit(main())
