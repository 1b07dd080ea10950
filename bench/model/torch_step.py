"""torch_step: the same work as bench_step.c with transformers'
BertForSequenceClassification (bert-base-uncased shapes, random init,
dropout 0.1 on; attention `sdpa`, transformers' default and what the
Trainer runs, or `eager`, the plain softmax(QK^T)V modules): zero_grad, forward, backward,
clip_grad_norm_(1.0), torch.optim.AdamW step at B=8, T=72; then eval-mode
forward throughput under torch.inference_mode(). Same output format.
--precision bf16 runs the forward (and the loss) under
torch.autocast("cpu", dtype=torch.bfloat16), as Trainer(bf16=True) does on
a CPU (backward outside it, fp32 weights and optimizer), and predict under
inference_mode + the same autocast.

    python torch_step.py [--steps N] [--warmup W] [--batches P] [--threads 2]
                         [--shape base|minilm] [--layers L] [--attn sdpa|eager]
                         [--precision fp32|bf16]
"""
import argparse
import contextlib
import resource
import statistics
import time

import torch
from transformers import BertConfig, BertForSequenceClassification


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--layers", type=int, default=0)
    ap.add_argument("--shape", choices=["base", "minilm"], default="base")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attn", choices=["sdpa", "eager"], default="sdpa")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.precision == "bf16" \
        else contextlib.nullcontext
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    B, T = 8, 72
    hidden, layers, inter = {"base": (768, 12, 3072), "minilm": (384, 6, 1536)}[a.shape]
    layers = a.layers or layers
    cfg = BertConfig(vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
                     num_attention_heads=12, intermediate_size=inter, num_labels=2,
                     hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                     attn_implementation=a.attn)
    model = BertForSequenceClassification(cfg)
    model.config._attn_implementation = a.attn
    model.train()
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}], lr=2e-5)
    g = torch.Generator().manual_seed(12345)
    ids = torch.randint(1000, 30000, (B, T), generator=g)
    batch = dict(input_ids=ids, token_type_ids=torch.zeros_like(ids),
                 attention_mask=torch.ones_like(ids), labels=torch.arange(B) % 2)
    ts = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        with amp():
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ts.append(time.perf_counter() - t0)
    step = statistics.median(ts[a.warmup:])
    rss_train = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model.eval()
    pb = {k: v for k, v in batch.items() if k != "labels"}
    ts = []
    with torch.inference_mode(), amp():
        model(**pb)
        for _ in range(a.batches):
            t0 = time.perf_counter()
            model(**pb)
            ts.append(time.perf_counter() - t0)
    pred = statistics.median(ts)
    print(f"shape {a.shape}\nlayers {layers}\nbatch {B}x{T}\nattn {a.attn}\nprecision {a.precision}")
    print(f"step_ms {step * 1e3:.1f}")
    print(f"step_examples_per_s {B / step:.2f}")
    print(f"loss_last {loss.item():.4f}")
    print(f"predict_batch_ms {pred * 1e3:.1f}")
    print(f"predict_examples_per_s {B / pred:.1f}")
    print(f"peak_rss_train_mb {rss_train:.1f}")
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} "
          f"mkldnn {torch.backends.mkldnn.is_available()} mkl {torch.backends.mkl.is_available()}")


if __name__ == "__main__":
    main()
