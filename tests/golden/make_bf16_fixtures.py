#!/usr/bin/env python3
"""Golden fixtures for --precision bf16 on the CPU (tests/unit/test_bert_bf16.c).

The tiny model and batch of make_bert_fixtures.py (fixtures/bert/tiny/ and
the inputs of tiny_cls.safetensors; run that script first), two references:

  emu.*  pipetune's bf16 semantics, computed in float64: every matrix
         product (each nn.Linear, and the attention's q @ k^T and att @ v,
         forward and backward) rounds its two inputs to bf16 (from their
         fp32 value, to nearest even) and sums exactly; its output is not
         rounded; everything else (embeddings, LayerNorm, softmax, GELU,
         tanh, the loss) is exact. pipetune must agree to fp32 rounding.
  amp.*  what torch.autocast("cpu", torch.bfloat16) computes for the fp32
         model (the Trainer's bf16=True): products with bf16 inputs and
         fp32 accumulation, their outputs rounded to bf16 and the ops after
         them running in bf16. pipetune must agree to bf16 tolerance.

Each holds logits, loss and grad.<name> for every parameter (dropout 0),
and for amp only, amp.train.final.<name>: the weights after 10 AdamW
steps as make_bert_fixtures.py's tiny_train (lr 5e-4, wd 0.01, warmup 2 of
10, clipping 1.0, the two batches of tiny_train.safetensors alternating),
with amp.train.grad_norms [10]. (An emu run of the same steps is not a
tighter reference: the key biases' gradients are 0 but for rounding noise,
which Adam scales up to real updates, and those move k's bf16 rounding.)

Writes fixtures/bert/tiny_bf16.safetensors.
Rerun: /root/ref-venv/bin/python tests/golden/make_bf16_fixtures.py
"""
import os

import torch
from safetensors.torch import load_file, save_file
from torch.overrides import TorchFunctionMode
from transformers import BertForSequenceClassification, get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "bert")

torch.use_deterministic_algorithms(True)


def bf(x):
    """x rounded to bf16 from its fp32 value (as pipetune rounds fp32), in x's dtype."""
    return x.to(torch.float32).to(torch.bfloat16).to(x.dtype)


class BF16Product(torch.autograd.Function):
    """a @ b with both inputs rounded to bf16; backward: each gradient
    product rounds its inputs too (dA = bf(g) @ bf(b)^T, dB = bf(a)^T @ bf(g))."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return torch.matmul(bf(a), bf(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        g = bf(g)
        return torch.matmul(g, bf(b).transpose(-1, -2)), torch.matmul(bf(a).transpose(-1, -2), g)


class BF16Products(TorchFunctionMode):
    """Every F.linear and torch.matmul of the model as BF16Product."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.nn.functional.linear:
            x, w = args[0], args[1]
            b = args[2] if len(args) > 2 else kwargs.get("bias")
            y = BF16Product.apply(x.reshape(-1, x.shape[-1]), w.t()).reshape(*x.shape[:-1], w.shape[0])
            return y + b if b is not None else y
        if func in (torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__):
            return BF16Product.apply(args[0], args[1])
        return func(*args, **kwargs)


def load_model(dtype):
    m = BertForSequenceClassification.from_pretrained(os.path.join(OUT, "tiny"), attn_implementation="eager")
    return m.to(dtype)


def inputs(t, prefix=""):
    return {k: t[prefix + k].long() for k in ("input_ids", "token_type_ids", "attention_mask")}


def run(model, batch, labels, mode):
    """loss (after backward), logits, grads as float32"""
    if mode == "emu":
        with BF16Products():
            out = model(**batch, labels=labels)
    else:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(**batch, labels=labels)
    out.loss.backward()
    return out


def forward_backward(mode, dtype, t):
    model = load_model(dtype)
    model.train()  # dropout is 0 in the config
    model.zero_grad()
    out = run(model, inputs(t), t["labels"].long(), mode)
    res = {mode + ".logits": out.logits.detach().float().contiguous(),
           mode + ".loss": out.loss.detach().float().reshape(1)}
    for n, p in model.named_parameters():
        res[mode + ".grad." + n] = p.grad.detach().float().contiguous()
    return res


def train(mode, dtype, tr):
    model = load_model(dtype)
    decay = [p for n, p in model.named_parameters() if "bias" not in n and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}], lr=5e-4)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=10)
    model.train()
    norms = []
    for step in range(10):
        k = step % 2
        batch = {n: tr["batches." + n][k].long() for n in ("input_ids", "token_type_ids", "attention_mask")}
        run(model, batch, tr["batches.labels"][k].long(), mode)
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        opt.step()
        sched.step()
        opt.zero_grad()
    res = {mode + ".train.final." + n: p.detach().float().contiguous() for n, p in model.named_parameters()}
    res[mode + ".train.grad_norms"] = torch.tensor(norms, dtype=torch.float64)
    return res


def main():
    t = load_file(os.path.join(OUT, "tiny_cls.safetensors"))
    tr = load_file(os.path.join(OUT, "tiny_train.safetensors"))
    res = {}
    res.update(forward_backward("emu", torch.float64, t))
    res.update(forward_backward("amp", torch.float32, t))
    res.update(train("amp", torch.float32, tr))
    save_file(res, os.path.join(OUT, "tiny_bf16.safetensors"))


if __name__ == "__main__":
    main()
