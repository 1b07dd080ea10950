#!/usr/bin/env python3
"""Scores a model folder written by pipetune's `train` with transformers
alone (AutoTokenizer + AutoModelForSequenceClassification, batch 8, eval
mode) on MRPC dev, and prints the metrics JSON, to compare with
`predict --model RUN < dev.mpk | glue-metric mrpc`.

    python bench/trainer/hf_score.py out/mrpc/model ../shared/data/glue/MRPC/dev.tsv
"""
import csv, json, sys

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main():
    run, dev = sys.argv[1], sys.argv[2]
    tok = AutoTokenizer.from_pretrained(run)
    model = AutoModelForSequenceClassification.from_pretrained(run).eval()
    with open(dev, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    labels = np.array([int(r[0]) for r in rows])
    preds = []
    with torch.no_grad():
        for i in range(0, len(rows), 8):
            chunk = rows[i:i + 8]
            enc = tok([r[3] for r in chunk], [r[4] for r in chunk], truncation=True,
                      padding=True, return_tensors="pt")
            preds.append(model(**enc).logits.argmax(-1).numpy())
    preds = np.concatenate(preds)
    print(json.dumps({"accuracy": float(accuracy_score(labels, preds)),
                      "f1": float(f1_score(labels, preds))}))


if __name__ == "__main__":
    main()
