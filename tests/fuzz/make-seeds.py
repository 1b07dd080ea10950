#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/corpus/ from the real formats: GLUE
lines and BERT model files of ../shared/data, records shaped like tok's,
collate's and predict's output, tiny safetensors files. Needs the msgpack
package (the reference venv has it). The crash reproducers (crash-*) are
kept apart and never rewritten. Usage: tests/fuzz/make-seeds.py [SHARED]"""
import json, os, struct, sys
import msgpack

here = os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', '..', '..', 'shared')
data = os.path.join(shared, 'data')
corpus = os.path.join(here, 'corpus')


def put(target, name, blob):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(blob, str):
        blob = blob.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(blob)


def pack(*recs, f32=True):
    return b''.join(msgpack.packb(r, use_single_float=f32) for r in recs)


def lines(path, n):
    with open(os.path.join(data, path), 'rb') as f:
        return b''.join(f.readlines()[:n])


SEP = b'\n----\n'
tok = [
    {"idx": 0, "label": 1, "input_ids": [101, 2002, 2056, 102, 1996, 102],
     "token_type_ids": [0, 0, 0, 0, 1, 1], "attention_mask": [1] * 6},
    {"idx": 1, "label": 0, "input_ids": [101, 7592, 102, 2088, 102],
     "token_type_ids": [0, 0, 0, 1, 1], "attention_mask": [1] * 5},
    {"idx": 2, "label": 1, "input_ids": [101, 102, 102],
     "token_type_ids": [0, 0, 1], "attention_mask": [1] * 3},
]
stsb = [{"idx": i, "label": v, "input_ids": [101, 5 + i, 102], "token_type_ids": [0, 0, 0],
         "attention_mask": [1, 1, 1]} for i, v in enumerate([5.0, 3.8, 0.25])]
batch = {"idx": [0, 1], "labels": [1, 0], "input_ids": [[101, 7, 102], [101, 102, 0]],
         "token_type_ids": [[0, 0, 0], [0, 0, 0]], "attention_mask": [[1, 1, 1], [1, 1, 0]]}

# record reader + collate + batch reader: option byte, then a stream
put('fuzz_record', 'seed-tok-mrpc', b'\x01' + pack(*tok))
put('fuzz_record', 'seed-tok-shuffle-group', b'\x2d' + pack(*tok))
put('fuzz_record', 'seed-tok-stsb', b'\x80' + pack(*stsb))
put('fuzz_record', 'seed-tok-no-types', b'\x12' + pack(*[{"idx": r["idx"], "input_ids": r["input_ids"]} for r in tok]))
put('fuzz_record', 'seed-batch', b'\x00' + pack(batch))

# text readers + WordPiece: option byte, then the file
put('fuzz_text', 'seed-mrpc-tsv', b'\x00' + lines('glue/MRPC/dev.tsv', 4))
put('fuzz_text', 'seed-mrpc-test-tsv', b'\x20' + lines('glue/MRPC/test.tsv', 3))
put('fuzz_text', 'seed-cola-headerless-tsv', b'\x04' + lines('glue/CoLA/dev.tsv', 3))
put('fuzz_text', 'seed-cola-test-tsv', b'\x44' + lines('glue/CoLA/test.tsv', 3))
put('fuzz_text', 'seed-stsb-tsv', b'\x88' + lines('glue/STS-B/dev.tsv', 3))
put('fuzz_text', 'seed-rte-tsv', b'\x0c' + lines('glue/RTE/train.tsv', 3))
put('fuzz_text', 'seed-mrpc-csv', b'\x01' + b'Quality,#1 String,#2 String\n1,"He said ""hi"", then left.",Caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87\r\n0,a,b\n')
put('fuzz_text', 'seed-stsb-jsonl', b'\x0a' + b'{"sentence1": "A plane is taking off.", "sentence2": "An air plane is taking off.", "score": 5.0}\n{"sentence1": "x", "sentence2": "y", "score": 0.25}\n')
put('fuzz_text', 'seed-rte-jsonl', b'\x8e' + b'{"sentence1": "Un\\u00e9 [SEP] here", "sentence2": "no", "label": "entailment"}\n{"sentence1": "a", "sentence2": "b", "label": 1}\n')

# tokenizer configs: vocab.txt [----- tokenizer_config.json] or tokenizer.json
with open(os.path.join(data, 'bert/bert-base-uncased/vocab.txt'), 'rb') as f:
    vl = f.readlines()
vocab = b''.join(vl[:110] + vl[999:1100] + vl[1996:2300] + vl[-50:])
put('fuzz_tokconfig', 'seed-vocab-txt', vocab)
put('fuzz_tokconfig', 'seed-vocab-cased-config', vocab + SEP + open(os.path.join(data, 'bert/bert-base-cased/tokenizer_config.json'), 'rb').read())
put('fuzz_tokconfig', 'seed-vocab-camphr-config', open(os.path.join(data, 'bert/tiny-camphr-ner-bert/vocab.txt'), 'rb').read() + SEP +
    open(os.path.join(data, 'bert/tiny-camphr-ner-bert/tokenizer_config.json'), 'rb').read())
tj = json.load(open(os.path.join(data, 'bert/bert-base-uncased/tokenizer.json')))
keep = set(vocab.decode().split('\n'))
tj['model']['vocab'] = {k: v for k, v in tj['model']['vocab'].items() if k in keep}
put('fuzz_tokconfig', 'seed-tokenizer-json', json.dumps(tj, ensure_ascii=False))
tj['post_processor'] = {"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}
tj['normalizer']['strip_accents'] = False
put('fuzz_tokconfig', 'seed-tokenizer-json-bertprocessing', json.dumps(tj) + SEP.decode() + '{"model_max_length": 1e30}')

# safetensors: one file, or index ----- shard1 ----- shard2


def st(tensors, meta=None):
    hdr, blob = {}, b''
    if meta is not None:
        hdr['__metadata__'] = meta
    for name, dtype, shape, raw in tensors:
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(hdr, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + blob


f32 = lambda *v: struct.pack('<%df' % len(v), *v)
t1 = [("bert.embeddings.LayerNorm.weight", "F32", [2], f32(1.0, 2.0)),
      ("classifier.bias", "F16", [2], struct.pack('<2H', 0x3c00, 0x7c00)),
      ("classifier.weight", "BF16", [1, 2], struct.pack('<2H', 0x3f80, 0x0001)),
      ("pooler.dense.bias", "F64", [1], struct.pack('<d', 0.1)),
      ("bert.embeddings.position_ids", "I64", [1, 2], struct.pack('<2q', 0, 1)),
      ("scalar", "F32", [], f32(3.0)), ("empty", "F32", [0, 4], b'')]
put('fuzz_safetensors', 'seed-single', st(t1, {"format": "pt"}))
s1 = st(t1[:3])
s2 = st(t1[3:], {"format": "pt"})
index = {"metadata": {"total_size": 0}, "weight_map": dict(
    [(t[0], "model-00001-of-00002.safetensors") for t in t1[:3]] +
    [(t[0], "model-00002-of-00002.safetensors") for t in t1[3:]])}
put('fuzz_safetensors', 'seed-sharded', json.dumps(index).encode() + SEP + s1 + SEP + s2)

# config.json [----- --set lines]
for m in ['bert-base-uncased', 'bert-base-cased', 'tiny-allennlp-bert-xsmall-dummy', 'tiny-camphr-ner-bert']:
    put('fuzz_config', 'seed-' + m, open(os.path.join(data, 'bert', m, 'config.json'), 'rb').read())
put('fuzz_config', 'seed-set', open(os.path.join(data, 'bert/tiny-allennlp-bert-xsmall-dummy/config.json'), 'rb').read() + SEP +
    b'hidden_dropout_prob=0\nclassifier_dropout=null\nnum_labels=3\nattention_probs_dropout_prob=0.25\nlayer_norm_eps=1e-12')

# metric input: kind byte (0 mcc, 1 pearson/spearman, 2 accuracy+f1, 3 accuracy), predictions
preds = [{"idx": i, "label": l, "prediction": p, "logits": [0.5 - p, p - 0.5]}
         for i, (l, p) in enumerate([(1, 1), (0, 1), (1, 0), (0, 0)])]
put('fuzz_metric', 'seed-mcc', b'\x00' + pack(*preds))
put('fuzz_metric', 'seed-stsb', b'\x01' + pack(*[{"idx": i, "label": v, "prediction": p} for i, (v, p) in
                                                  enumerate([(5.0, 4.5), (3.8, 3.9), (0.25, 1.0)])]))
put('fuzz_metric', 'seed-f1-logits', b'\x02' + pack(*[{"idx": r["idx"], "label": r["label"], "logits": r["logits"]} for r in preds]))
put('fuzz_metric', 'seed-acc', b'\x03' + pack(*preds, f32=False))

# JSON <-> msgpack: msgpack streams, and JSON text (starts with '{')
put('fuzz_jsonconv', 'seed-tok.mpk', pack(*tok))
put('fuzz_jsonconv', 'seed-batch.mpk', pack(batch))
put('fuzz_jsonconv', 'seed-stsb-f64.mpk', pack(*stsb, f32=False))
put('fuzz_jsonconv', 'seed-types.mpk', pack({"nil": None, "t": True, "f": False, "neg": -2**63, "big": 2**64 - 1,
                                             "s": "caf\u00e9\n\"q\"\\", "nested": {"a": [[]]}}))
put('fuzz_jsonconv', 'seed-records.jsonl', '{"idx": 0, "label": 3.80, "x": 0.5, "y": [1.5, -2, 1e-05, 1.0e-05, "s\\u00e9"], "z": null, "t": true}\n{"a": {"b": []}}\n')
put('fuzz_jsonconv', 'seed-pretty.json', '{\n  "idx": [\n    0,\n    1\n  ],\n  "f": 2.00\n}\n{"g": -0.0}\n')
