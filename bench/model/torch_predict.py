"""torch_predict: what `predict` does, in PyTorch: read collated batches (the
msgpack records collate writes), run BertForSequenceClassification over each
batch as it is (padded, attention mask applied: PyTorch computes the padding,
as Trainer.predict does) under torch.inference_mode() and, with --precision
bf16, torch.autocast("cpu", dtype=torch.bfloat16); write predict's records
({"idx", "label", "logits", "prediction"}) as JSON lines to --output. Prints
"key value" lines to stdout: load time, the predict loop's time (model
loaded, batches decoded before timing), its CPU time (all threads) and
examples/s.

    python torch_predict.py --model DIR [--precision fp32|bf16] [--threads 2]
                            [--output FILE] BATCHES.mpk
    python torch_predict.py --make-model minilm|base --base DIR --out DIR

--make-model writes a model folder both sides can load: a
BertForSequenceClassification (2 labels) with the weights of --base (the
demo's all-MiniLM-L6-v2 folder) and a classifier drawn with
torch.manual_seed(0), or (base) bert-base-uncased's shapes with random
weights (torch.manual_seed(0)) and --base's vocabulary.
"""
import argparse
import json
import shutil
import sys
import time

import torch


def make_model(kind, base, out):
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(0)
    if kind == "minilm":
        m = BertForSequenceClassification.from_pretrained(base, num_labels=2)
    else:
        m = BertForSequenceClassification(BertConfig(num_labels=2))
    m.save_pretrained(out, safe_serialization=True)
    for f in ("vocab.txt", "tokenizer_config.json", "tokenizer.json", "special_tokens_map.json"):
        try:
            shutil.copy(f"{base}/{f}", out)
        except FileNotFoundError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--output")
    ap.add_argument("--make-model", choices=["minilm", "base"])
    ap.add_argument("--base")
    ap.add_argument("--out")
    ap.add_argument("batches", nargs="?")
    a = ap.parse_args()
    if a.make_model:
        return make_model(a.make_model, a.base, a.out)
    import msgpack
    from transformers import BertForSequenceClassification
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    model = BertForSequenceClassification.from_pretrained(a.model).eval()
    with open(a.batches, "rb") as f:
        recs = list(msgpack.Unpacker(f, raw=False))
    batches = []
    for r in recs:
        ids = torch.tensor(r["input_ids"])
        b = {"input_ids": ids,
             "attention_mask": torch.tensor(r["attention_mask"]) if "attention_mask" in r else torch.ones_like(ids),
             "token_type_ids": torch.tensor(r["token_type_ids"]) if "token_type_ids" in r else torch.zeros_like(ids)}
        batches.append((r, b))
    t_load = time.perf_counter() - t0
    amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16")
    out = []
    t0, c0 = time.perf_counter(), time.process_time()
    with torch.inference_mode(), amp:
        for r, b in batches:
            out.append((r, model(**b).logits.float()))
    t_pred, c_pred = time.perf_counter() - t0, time.process_time() - c0
    n = sum(len(r["idx"]) for r, _ in out)
    if a.output:
        with open(a.output, "w") as f:
            for r, logits in out:
                for i, idx in enumerate(r["idx"]):
                    rec = {"idx": idx}
                    if "labels" in r:
                        rec["label"] = r["labels"][i]
                    rec["logits"] = logits[i].tolist()
                    rec["prediction"] = int(logits[i].argmax())
                    f.write(json.dumps(rec) + "\n")
    print(f"examples {n}\nbatches {len(batches)}\nload_s {t_load:.3f}\npredict_s {t_pred:.3f}\npredict_cpu_s {c_pred:.3f}")
    print(f"predict_examples_per_s {n / t_pred:.1f}\nprecision {a.precision}\nthreads {torch.get_num_threads()}")
    print(f"torch {torch.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
