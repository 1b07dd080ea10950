#!/usr/bin/env python3
"""Golden fixtures for lib/safetensors, lib/checkpoint and `predict`.

Writes tests/golden/fixtures/checkpoint/:
  st/dtypes.safetensors      one tensor per dtype, written by Python's safetensors;
                             x_f16/x_bf16/x_f64 hold awkward values (subnormals,
                             +-inf, nan, -0, max) and x_*_as_f32 the same values
                             converted to float32 by torch (what st_to_f32 must give)
                             (tests also re-save them with st_save: same bytes)
  st/sharded/                model.safetensors.index.json + shards (save_torch_state_dict)
  st/sharded_expected.txt    "name v v v .." per tensor of the sharded checkpoint
  cls/                       a tiny random BertForSequenceClassification (2 labels),
                             save_pretrained(safe_serialization=True) + vocab.txt,
                             tokenizer_config.json, special_tokens_map.json
  reg/                       the same with num_labels=1 (regression, problem_type set)
  bare/                      tests/../shared/data/bert/tiny-allennlp-bert-xsmall-dummy
                             converted to safetensors (a bare BertModel: no "bert."
                             prefix, no classifier) + its config.json and vocab.txt
  cls_batches.mpk            collated batches (idx, labels, input_ids, token_type_ids,
                             attention_mask) for cls/, 3 batches of mixed length
  reg_batches.mpk            the same with float labels, for reg/
  bare_batches.mpk           batches for bare/ (vocab 250), with labels
  cls_expected.json          {"idx": [..], "logits": [[..]..], "prediction": [..], "eval_loss": x}
                             from transformers (eval mode, fp32, eager attention)
  reg_expected.json          the same for reg/ (no prediction)
  bad_ids.mpk                a batch whose record 1 has an input id >= vocab (64)
  bad_label.mpk              a batch whose record 0 has a label 2 with 2 labels
  bad_type.mpk               a batch whose token_type_ids hold a 2 (type_vocab 2)

The roundtrip fixture (bare_roundtrip_expected.json) is written by
tests/golden/check_hf_roundtrip.py from a model that pipetune itself saved.

Run: python tests/golden/make_checkpoint_fixtures.py  (needs torch, transformers,
safetensors, msgpack)
"""
import json, os, shutil

import msgpack
import numpy as np
import torch
from huggingface_hub import save_torch_state_dict
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "tests", "golden", "fixtures", "checkpoint")
ALLEN = os.path.join(SHARED, "data", "bert", "tiny-allennlp-bert-xsmall-dummy")

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz") + \
    ["the", "a", "is", "was", "not", "good", "bad", "movie", "film", "it", "and", "of", "to",
     "in", "that", ".", ",", "!", "?", "##s", "##ed", "##ing", "##ly", "great", "plot", "actor",
     "story", "fun", "boring", "plain", "nice", "##er", "##est"]
assert len(VOCAB) == 64


def tiny_config(num_labels):
    return BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=32, type_vocab_size=2,
                      num_labels=num_labels, pad_token_id=0, hidden_act="gelu",
                      attn_implementation="eager")


def write_tokenizer_files(d):
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("".join(t + "\n" for t in VOCAB))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "model_max_length": 32, "tokenizer_class": "BertTokenizer"}, f)
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                   "cls_token": "[CLS]", "mask_token": "[MASK]"}, f)


def make_batches(rng, vocab, shapes, regression, cls_id=2, sep_id=3):
    """Collated batches as `collate` writes them: rows padded to the longest."""
    batches, idx = [], 0
    for B, T in shapes:
        lens = rng.integers(3, T + 1, size=B)
        lens[rng.integers(0, B)] = T          # one row sets the padded length
        ids, tts, masks = [], [], []
        for L in lens:
            L = int(L)
            row = [cls_id] + [int(x) for x in rng.integers(5, vocab, size=L - 2)] + [sep_id]
            split = int(rng.integers(1, L))     # sentence B from here (token type 1)
            tt = [0] * split + [1] * (L - split)
            ids.append(row + [0] * (T - L))
            tts.append(tt + [0] * (T - L))
            masks.append([1] * L + [0] * (T - L))
        if regression:
            labels = [float(np.float32(x)) for x in rng.uniform(0, 5, size=B)]
        else:
            labels = [int(x) for x in rng.integers(0, 2, size=B)]
        batches.append({"idx": list(range(idx, idx + B)), "labels": labels, "input_ids": ids,
                        "token_type_ids": tts, "attention_mask": masks})
        idx += B
    return batches


def write_mpk(path, records, float32_keys=()):
    with open(path, "wb") as f:
        for r in records:
            f.write(msgpack.packb(r, use_single_float=True))


@torch.no_grad()
def hf_outputs(model, batches, regression):
    model.eval()
    out = {"idx": [], "logits": [], "prediction": []}
    loss_sum, n = 0.0, 0
    for b in batches:
        kw = {k: torch.tensor(b[k]) for k in ("input_ids", "token_type_ids", "attention_mask")}
        lab = torch.tensor(b["labels"], dtype=torch.float32 if regression else torch.long)
        r = model(**kw, labels=lab)
        B = len(b["idx"])
        loss_sum += float(r.loss) * B          # Trainer: mean of per-batch losses weighted by size
        n += B
        out["idx"] += b["idx"]
        out["logits"] += r.logits.float().tolist()
        if not regression:
            out["prediction"] += r.logits.argmax(-1).tolist()
            srt = r.logits.sort(-1).values
            assert float((srt[:, -1] - srt[:, -2]).abs().min()) > 1e-4, "argmax too close to a tie"
    out["eval_loss"] = loss_sum / n
    if regression:
        del out["prediction"]
    return out


def tiny_model(d, num_labels, seed):
    torch.manual_seed(seed)
    m = BertForSequenceClassification(tiny_config(num_labels))
    # Larger weights than initializer_range 0.02 and non-trivial LayerNorm and
    # bias values, so the logits depend on the input and a swapped or skipped
    # tensor shows.
    for name, p in m.named_parameters():
        if "LayerNorm.weight" in name:
            p.data.normal_(1.0, 0.2)
        elif name.endswith("bias"):
            p.data.normal_(0.0, 0.2)
        else:
            p.data.normal_(0.0, 0.5 if "embeddings" in name else 0.3)
    m.save_pretrained(d, safe_serialization=True)
    write_tokenizer_files(d)
    return m


def dtype_fixtures(d):
    os.makedirs(d, exist_ok=True)
    f16_vals = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08,
                             -3.0517578125e-05, float("inf"), float("-inf"), float("nan"), 0.333251953125])
    x_f16 = f16_vals.to(torch.float16)
    x_bf16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.3895313892515355e38, 1e-39, -9.18e-41,
                           float("inf"), float("-inf"), float("nan"), 0.3333]).to(torch.bfloat16)
    x_f64 = torch.tensor([0.1, -1e-300, 1e300, 3.141592653589793, -0.0, 1e-45], dtype=torch.float64)
    t = {
        "x_f32": torch.tensor([[1.5, -2.25, 3.0], [0.0, 1e-40, -7.0]], dtype=torch.float32),
        "x_f16": x_f16, "x_f16_as_f32": x_f16.float(),
        "x_bf16": x_bf16, "x_bf16_as_f32": x_bf16.float(),
        "x_f64": x_f64, "x_f64_as_f32": x_f64.float(),
        "x_i64": torch.tensor([[-(2**40), 7]], dtype=torch.int64),
        "x_i32": torch.tensor([-5, 2**31 - 1], dtype=torch.int32),
        "x_i16": torch.tensor([-300, 300], dtype=torch.int16),
        "x_i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "x_u8": torch.tensor([255, 1], dtype=torch.uint8),
        "x_bool": torch.tensor([True, False, True]),
        "x_scalar": torch.tensor(2.0),
        "x_empty": torch.zeros(0, 3),
    }
    path = os.path.join(d, "dtypes.safetensors")
    save_file(t, path, metadata={"format": "pt"})

    # sharded: a small model state dict split in two files by size
    torch.manual_seed(3)
    sd = {"bert.embeddings.word_embeddings.weight": torch.randn(16, 4),
          "bert.pooler.dense.weight": torch.randn(4, 4),
          "bert.pooler.dense.bias": torch.randn(4),
          "classifier.weight": torch.randn(2, 4),
          "classifier.bias": torch.randn(2)}
    sh = os.path.join(d, "sharded")
    shutil.rmtree(sh, ignore_errors=True)
    os.makedirs(sh)
    save_torch_state_dict(sd, sh, max_shard_size=200)
    files = sorted(os.listdir(sh))
    assert "model.safetensors.index.json" in files and len(files) >= 3, files
    # the expected values, flattened, one tensor per line "name v v v ..."
    with open(os.path.join(d, "sharded_expected.txt"), "w") as f:
        for k in sorted(sd):
            f.write(k + " " + " ".join(repr(float(v)) for v in sd[k].flatten()) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    dtype_fixtures(os.path.join(OUT, "st"))
    rng = np.random.default_rng(1234)

    for kind, nl, seed in (("cls", 2, 1), ("reg", 1, 2)):
        d = os.path.join(OUT, kind)
        shutil.rmtree(d, ignore_errors=True)
        m = tiny_model(d, nl, seed)
        batches = make_batches(rng, 64, [(4, 7), (4, 12), (3, 5)], regression=(nl == 1))
        write_mpk(os.path.join(OUT, kind + "_batches.mpk"), batches)
        exp = hf_outputs(m, batches, regression=(nl == 1))
        with open(os.path.join(OUT, kind + "_expected.json"), "w") as f:
            json.dump(exp, f)
        if kind == "cls":
            b = batches[0]
            bad = json.loads(json.dumps(b))
            bad["input_ids"][1][2] = 64
            write_mpk(os.path.join(OUT, "bad_ids.mpk"), [batches[1], bad])
            bad = json.loads(json.dumps(b))
            bad["labels"][3] = 2
            write_mpk(os.path.join(OUT, "bad_label.mpk"), [bad])
            bad = json.loads(json.dumps(b))
            bad["token_type_ids"][0][1] = 2
            write_mpk(os.path.join(OUT, "bad_type.mpk"), [bad])

    # bare BertModel: allennlp's legacy pickle -> safetensors, keys as they are
    d = os.path.join(OUT, "bare")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    sd = torch.load(os.path.join(ALLEN, "pytorch_model.bin"), map_location="cpu")
    save_file({k: v.clone().contiguous() for k, v in sd.items()}, os.path.join(d, "model.safetensors"),
              metadata={"format": "pt"})
    for fn in ("config.json", "vocab.txt"):
        shutil.copyfile(os.path.join(ALLEN, fn), os.path.join(d, fn))
    batches = make_batches(rng, 250, [(3, 6), (2, 9)], regression=False, cls_id=2, sep_id=3)
    write_mpk(os.path.join(OUT, "bare_batches.mpk"), batches)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
