#!/usr/bin/env python3
"""Checks that a model folder saved by pipetune loads in transformers and
gives the same logits as `predict`.

    check_hf_roundtrip.py MODEL_DIR BATCHES.mpk [--predictions PRED.mpk]
                          [--write-expected OUT.json] [--tol 1e-4]

MODEL_DIR     a folder written by pipetune (checkpoint_save: train's
              --output-dir, or PT_CHECKPOINT_SAVE_TO of test_checkpoint)
BATCHES.mpk   collated batches (collate's output)
--predictions predict's output for the same folder and batches: every
              logit must match transformers within --tol (relative to
              1e-3 + |logit|), idx/label/prediction exactly
--write-expected  writes {"idx", "logits", "prediction", "eval_loss"} as
              transformers computes them (the committed fixture
              tests/golden/fixtures/checkpoint/bare_roundtrip_expected.json
              that test_checkpoint compares against)

Also fails when from_pretrained reports missing, unexpected or mismatched
weights, or when config.json does not name BertForSequenceClassification.

Regenerate the committed fixture (after `make units`):
  rm -rf /tmp/pt_rt && PT_CHECKPOINT_SAVE_TO=/tmp/pt_rt PT_ROOT=$PWD build/tests/test_checkpoint
  bin/predict --model /tmp/pt_rt tests/golden/fixtures/checkpoint/bare_batches.mpk > /tmp/pt_rt.pred
  python tests/golden/check_hf_roundtrip.py /tmp/pt_rt tests/golden/fixtures/checkpoint/bare_batches.mpk \\
      --predictions /tmp/pt_rt.pred \\
      --write-expected tests/golden/fixtures/checkpoint/bare_roundtrip_expected.json
(test_checkpoint fails on its last check until the fixture exists; the saved
folder is written before that check.)

Needs torch, transformers, msgpack.
"""
import argparse, json, sys

import msgpack
import torch
from transformers import AutoModelForSequenceClassification


def read_mpk(path):
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("batches")
    ap.add_argument("--predictions")
    ap.add_argument("--write-expected")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()

    cfg = json.load(open(a.model_dir + "/config.json"))
    if cfg.get("architectures") != ["BertForSequenceClassification"]:
        sys.exit(f"config.json: architectures {cfg.get('architectures')}")
    model, info = AutoModelForSequenceClassification.from_pretrained(
        a.model_dir, output_loading_info=True, attn_implementation="eager")
    bad = {k: v for k, v in info.items() if v and k != "error_msgs"} | \
          ({"error_msgs": info["error_msgs"]} if info.get("error_msgs") else {})
    if bad:
        sys.exit(f"from_pretrained({a.model_dir}): {bad}")
    model.eval()
    regression = model.config.num_labels == 1

    out = {"idx": [], "logits": [], "prediction": [], "label": []}
    loss_sum, n_loss = 0.0, 0
    with torch.no_grad():
        for b in read_mpk(a.batches):
            kw = {k: torch.tensor(b[k]) for k in ("input_ids", "token_type_ids", "attention_mask") if k in b}
            lab = None
            if "labels" in b:
                lab = torch.tensor(b["labels"], dtype=torch.float32 if regression else torch.long)
            r = model(**kw, labels=lab)
            B = len(b["input_ids"])
            if lab is not None:
                loss_sum += float(r.loss) * B
                n_loss += B
                out["label"] += b["labels"]
            out["idx"] += b.get("idx", list(range(len(out["idx"]), len(out["idx"]) + B)))
            out["logits"] += r.logits.float().tolist()
            if not regression:
                out["prediction"] += r.logits.argmax(-1).tolist()
    if n_loss:
        out["eval_loss"] = loss_sum / n_loss

    if a.predictions:
        preds = read_mpk(a.predictions)
        if len(preds) != len(out["idx"]):
            sys.exit(f"{a.predictions}: {len(preds)} records, transformers gave {len(out['idx'])}")
        worst = 0.0
        for i, p in enumerate(preds):
            if p["idx"] != out["idx"][i]:
                sys.exit(f"{a.predictions}: record {i}: idx {p['idx']}, expected {out['idx'][i]}")
            if out["label"] and p.get("label") != out["label"][i]:
                sys.exit(f"{a.predictions}: record {i}: label {p.get('label')}, expected {out['label'][i]}")
            for x, y in zip(p["logits"], out["logits"][i], strict=True):
                worst = max(worst, abs(x - y) / (1e-3 + abs(y)))
            if not regression and p["prediction"] != out["prediction"][i]:
                sys.exit(f"{a.predictions}: record {i}: prediction {p['prediction']}, "
                         f"transformers {out['prediction'][i]}")
        print(f"{len(preds)} predictions, max relative logit difference {worst:.3g}")
        if worst > a.tol:
            sys.exit(f"logits differ from transformers by {worst:.3g} > {a.tol}")

    if a.write_expected:
        del out["label"]
        if regression:
            del out["prediction"]
        with open(a.write_expected, "w") as f:
            json.dump(out, f)
        print("wrote", a.write_expected)
    print("ok:", a.model_dir, "loads in transformers with every weight, logits match")


if __name__ == "__main__":
    main()
