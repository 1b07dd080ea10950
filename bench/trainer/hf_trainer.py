#!/usr/bin/env python3
"""The Hugging Face course's chapter 3 recipe (Trainer API), on the same
files and model folder that pipetune uses, for bench/trainer/run.sh.

    python bench/trainer/hf_trainer.py --model models/all-MiniLM-L6-v2 \
        --glue ../shared/data/glue/MRPC --seed 42 --out /tmp/hf-run

Reads the GLUE TSV files without quote processing (as the HF GLUE
processors do), tokenizes with AutoTokenizer (truncation=True), pads with
DataCollatorWithPadding, trains with Trainer defaults (batch 8, lr 5e-5,
3 epochs, eval each epoch) and prints one JSON line with the metrics and
the wall time of each epoch.
"""
import argparse, csv, json, os, sys, time

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from datasets import Dataset
from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                          DataCollatorWithPadding, Trainer, TrainerCallback,
                          TrainingArguments)


def read_mrpc(path):
    rows = []
    with open(path, encoding="utf-8-sig") as f:
        r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(r)
        for i, row in enumerate(r):
            rows.append({"sentence1": row[3], "sentence2": row[4], "label": int(row[0]), "idx": i})
    return Dataset.from_list(rows)


class EpochTimer(TrainerCallback):
    def __init__(self):
        self.times, self.t0 = [], None

    def on_epoch_begin(self, args, state, control, **kw):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kw):
        self.times.append(time.perf_counter() - self.t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--glue", required=True, help="the MRPC folder")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--max-steps", type=int, default=-1)
    ap.add_argument("--out", default="/tmp/hf-trainer-run")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16", "fp16"], default="fp32",
                    help="TrainingArguments tf32=/bf16=/fp16= (GPU)")
    a = ap.parse_args()

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    tok = AutoTokenizer.from_pretrained(a.model)
    raw = {"train": read_mrpc(os.path.join(a.glue, "train.tsv")),
           "validation": read_mrpc(os.path.join(a.glue, "dev.tsv"))}

    def tokenize_function(example):
        return tok(example["sentence1"], example["sentence2"], truncation=True)

    ds = {k: v.map(tokenize_function, batched=True) for k, v in raw.items()}
    collator = DataCollatorWithPadding(tokenizer=tok)

    # evaluate.load("glue", "mrpc") needs the Hub; its mrpc branch is exactly
    # {"accuracy": accuracy_score, "f1": f1_score} from scikit-learn.
    def mrpc_metric(predictions, references):
        return {"accuracy": float(accuracy_score(references, predictions)),
                "f1": float(f1_score(y_true=references, y_pred=predictions))}

    def compute_metrics(eval_preds):
        logits, labels = eval_preds
        return mrpc_metric(np.argmax(logits, axis=-1), labels)

    model = AutoModelForSequenceClassification.from_pretrained(a.model, num_labels=2)
    args = TrainingArguments(a.out, eval_strategy="epoch", seed=a.seed,
                             num_train_epochs=a.epochs, max_steps=a.max_steps,
                             save_strategy="no", report_to=[], use_cpu=a.device == "cpu",
                             tf32=True if a.precision == "tf32" else None,
                             bf16=a.precision == "bf16", fp16=a.precision == "fp16")
    timer = EpochTimer()
    trainer = Trainer(model, args, train_dataset=ds["train"], eval_dataset=ds["validation"],
                      data_collator=collator, processing_class=tok,
                      compute_metrics=compute_metrics, callbacks=[timer])
    t0 = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - t0
    pred = trainer.predict(ds["validation"])
    m = mrpc_metric(np.argmax(pred.predictions, axis=-1), pred.label_ids)
    extra = {}
    if a.device == "cuda":
        extra["peak_gpu_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps({"seed": a.seed, **m, "train_wall_s": wall, "epoch_s": timer.times,
                      "device": a.device, "precision": a.precision, **extra}))


if __name__ == "__main__":
    main()
