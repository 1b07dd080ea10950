#!/usr/bin/env python3
"""Golden fixtures for the BERT model, the optimizer and the schedule
(tests/unit/test_bert*.c, tests/unit/test_optim.c).

Writes tests/golden/fixtures/bert/:
  tiny/       config.json + model.safetensors: a tiny random
              BertForSequenceClassification (2 layers, hidden 32, 4 heads,
              intermediate 37, vocab 99, 3 labels, dropout 0)
  tiny_reg/   the same shapes with num_labels 1 (MSE regression)
  tiny_cls.safetensors, tiny_reg.safetensors: a padded batch of sentence
              pairs (input_ids, token_type_ids, attention_mask, labels), the
              logits, the loss and "grad.<name>" for every parameter
  tiny_train.safetensors: 10 AdamW steps on tiny/ (two batches alternating,
              lr 5e-4, weight decay 0.01 with the Trainer's groups, linear
              schedule warmup 2 total 10, clip_grad_norm_ 1.0): "final.<name>",
              grad_norms [10], lrs [10], batches [2,B,T]
  base/config.json, base_shapes.safetensors: bert-base shapes with weights
              from the formula in formula_weights() (also in test_bert_base.c),
              a [2,16] batch and its logits
Rerun: /root/ref-venv/bin/python tests/golden/make_bert_fixtures.py
"""
import os

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification, get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "bert")

torch.use_deterministic_algorithms(True)


def tiny_config(num_labels):
    return BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=37, max_position_embeddings=64, type_vocab_size=2,
                      num_labels=num_labels, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                      initializer_range=0.1, attn_implementation="eager")


def tiny_model(num_labels, seed):
    torch.manual_seed(seed)
    model = BertForSequenceClassification(tiny_config(num_labels))
    # make LayerNorm weights/biases and every bias non-trivial too
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    return model.float()


def pair_batch(rng, B, T, vocab):
    """[CLS] a [SEP] b [SEP] [PAD]...; one row full length, pad id 0."""
    ids = np.zeros((B, T), np.int64)
    tt = np.zeros((B, T), np.int64)
    mask = np.zeros((B, T), np.int64)
    for r in range(B):
        n = T if r == 1 else int(rng.integers(6, T))
        la = int(rng.integers(1, n - 4))
        lb = n - 3 - la
        row = [2] + list(rng.integers(5, vocab, la)) + [3] + list(rng.integers(5, vocab, lb)) + [3]
        ids[r, :n] = row
        tt[r, la + 2:n] = 1
        mask[r, :n] = 1
    return torch.tensor(ids), torch.tensor(tt), torch.tensor(mask)


def i32(t):
    return t.to(torch.int32).contiguous()


def save_model_dir(model, d):
    os.makedirs(d, exist_ok=True)
    model.config.save_pretrained(d)
    save_file({n: p.detach().contiguous() for n, p in model.named_parameters()},
              os.path.join(d, "model.safetensors"), metadata={"format": "pt"})


def forward_backward_fixture(model, name, ids, tt, mask, labels):
    model.train()  # dropout is 0: only to mirror the training path
    model.zero_grad()
    out = model(input_ids=ids, token_type_ids=tt, attention_mask=mask, labels=labels)
    out.loss.backward()
    t = {"input_ids": i32(ids), "token_type_ids": i32(tt), "attention_mask": i32(mask),
         "logits": out.logits.detach().contiguous(), "loss": out.loss.detach().reshape(1)}
    if labels.dtype == torch.float32:
        t["float_labels"] = labels.contiguous()
    else:
        t["labels"] = i32(labels)
    for n, p in model.named_parameters():
        t["grad." + n] = p.grad.detach().contiguous()
    save_file(t, os.path.join(OUT, name + ".safetensors"))
    return out


def train_fixture(model, batches):
    decay = [p for n, p in model.named_parameters() if "bias" not in n and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}], lr=5e-4)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=10)
    norms, lrs = [], []
    model.train()
    for step in range(10):
        ids, tt, mask, labels = batches[step % 2]
        lrs.append(opt.param_groups[0]["lr"])
        out = model(input_ids=ids, token_type_ids=tt, attention_mask=mask, labels=labels)
        out.loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        opt.step()
        sched.step()
        opt.zero_grad()
    t = {"final." + n: p.detach().contiguous() for n, p in model.named_parameters()}
    t["grad_norms"] = torch.tensor(norms, dtype=torch.float64)
    t["lrs"] = torch.tensor(lrs, dtype=torch.float64)
    for k, j in (("input_ids", 0), ("token_type_ids", 1), ("attention_mask", 2), ("labels", 3)):
        t["batches." + k] = i32(torch.stack([batches[0][j], batches[1][j]]))
    save_file(t, os.path.join(OUT, "tiny_train.safetensors"))


M64 = (1 << 64) - 1


def splitmix64(x):
    """splitmix64 finalizer on a numpy uint64 array (wrapping arithmetic)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def formula_weights(model, amp=0.05):
    """Tensor i (named_parameters order), element e (row-major):
    u = (splitmix64((i << 32) + e) >> 40) / 2^24 in [0,1);
    w = base + amp * (2u - 1), base 1 for LayerNorm weights, else 0."""
    with torch.no_grad(), np.errstate(over="ignore"):
        for i, (name, p) in enumerate(model.named_parameters()):
            e = np.arange(p.numel(), dtype=np.uint64) + np.uint64(i << 32)
            u = (splitmix64(e) >> np.uint64(40)).astype(np.float64) / float(1 << 24)
            base = 1.0 if ("LayerNorm" in name and name.endswith("weight")) else 0.0
            w = (base + amp * (2.0 * u - 1.0)).astype(np.float32)
            p.copy_(torch.from_numpy(w.reshape(tuple(p.shape))))


def base_fixture():
    cfg = BertConfig(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, num_labels=2,
                     attn_implementation="eager")
    model = BertForSequenceClassification(cfg).float().eval()
    formula_weights(model)
    d = os.path.join(OUT, "base")
    os.makedirs(d, exist_ok=True)
    cfg.save_pretrained(d)
    rng = np.random.default_rng(7)
    ids, tt, mask = pair_batch(rng, 2, 16, 29000)
    ids[ids >= 5] += 1000  # ordinary word ids (< 30522)
    with torch.no_grad():
        logits = model(input_ids=ids, token_type_ids=tt, attention_mask=mask).logits
    save_file({"input_ids": i32(ids), "token_type_ids": i32(tt), "attention_mask": i32(mask),
               "logits": logits.contiguous()}, os.path.join(OUT, "base_shapes.safetensors"))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(1234)
    b1 = pair_batch(rng, 4, 12, 99)
    b2 = pair_batch(rng, 4, 12, 99)
    labels1 = torch.tensor([0, 2, 1, 2])
    labels2 = torch.tensor([1, 0, 2, 0])

    model = tiny_model(3, seed=0)
    save_model_dir(model, os.path.join(OUT, "tiny"))
    forward_backward_fixture(model, "tiny_cls", *b1, labels1)
    model.zero_grad()
    train_fixture(model, [(*b1, labels1), (*b2, labels2)])

    reg = tiny_model(1, seed=1)
    save_model_dir(reg, os.path.join(OUT, "tiny_reg"))
    forward_backward_fixture(reg, "tiny_reg", *b1, torch.tensor([0.5, 3.2, -1.0, 4.75], dtype=torch.float32))

    base_fixture()


if __name__ == "__main__":
    main()
