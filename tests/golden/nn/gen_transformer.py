#!/usr/bin/python3
"""Golden outputs for src/nn/transformer.{h,cpp}, computed by PyTorch's own modules
(torch.nn.MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer; Debian's
python3-torch 1.13) in float64, with their weights renamed to trainperf's parameter names.

/usr/bin/python3 tests/golden/nn/gen_transformer.py > tests/golden/nn/transformer.json
"""
import json

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)

B, T, S, D, H, FF = 2, 5, 6, 8, 2, 12


def tensor(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.detach().reshape(-1)]}


def randomize(module):
    # Non-trivial values everywhere (torch's init leaves biases at 0 and norms at 1).
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.4)
    return module


def mha_params(prefix, mha, fused, cross):
    w, b = mha.in_proj_weight, mha.in_proj_bias
    out = {}
    if cross:
        out[prefix + "q.weight"], out[prefix + "q.bias"] = w[:D], b[:D]
        out[prefix + "kv.weight"], out[prefix + "kv.bias"] = w[D:], b[D:]
    elif fused:
        out[prefix + "qkv.weight"], out[prefix + "qkv.bias"] = w, b
    else:
        for i, n in enumerate("qkv"):
            out[prefix + n + ".weight"] = w[i * D:(i + 1) * D]
            out[prefix + n + ".bias"] = b[i * D:(i + 1) * D]
    out[prefix + "out.weight"], out[prefix + "out.bias"] = mha.out_proj.weight, mha.out_proj.bias
    return out


def layer_params(layer, decoder):
    p = mha_params("self_attn.", layer.self_attn, True, False)
    if decoder:
        p.update(mha_params("cross_attn.", layer.multihead_attn, True, True))
    p["ffn.fc1.weight"], p["ffn.fc1.bias"] = layer.linear1.weight, layer.linear1.bias
    p["ffn.fc2.weight"], p["ffn.fc2.bias"] = layer.linear2.weight, layer.linear2.bias
    for i in (1, 2, 3) if decoder else (1, 2):
        norm = getattr(layer, "norm%d" % i)
        p["norm%d.weight" % i], p["norm%d.bias" % i] = norm.weight, norm.bias
    return {k: tensor(v) for k, v in p.items()}


x = torch.randn(B, T, D)
memory = torch.randn(B, S, D)
causal = torch.ones(T, T, dtype=torch.bool).triu(1)
# Sequence 1 has two padded positions at the end; memory of sequence 0 has one.
pad = torch.zeros(B, T, dtype=torch.bool)
pad[1, 3:] = True
mem_pad = torch.zeros(B, S, dtype=torch.bool)
mem_pad[0, 5:] = True

cases = []

# Self-attention, causal + key padding, fused and separate q/k/v from the same weights.
mha = randomize(torch.nn.MultiheadAttention(D, H, batch_first=True)).train()
y, _ = mha(x, x, x, attn_mask=causal, key_padding_mask=pad, need_weights=False)
for fused in (True, False):
    cases.append({"name": "self_attention_causal_padding_" + ("fused" if fused else "separate"),
                  "kind": "attention", "cross": False, "fused_qkv": fused, "causal": True,
                  "params": {k: tensor(v) for k, v in mha_params("", mha, fused, False).items()},
                  "query": tensor(x), "key_padding_mask": tensor(pad.double()), "output": tensor(y)})

# Cross-attention with a memory padding mask.
mha = randomize(torch.nn.MultiheadAttention(D, H, batch_first=True)).train()
y, _ = mha(x, memory, memory, key_padding_mask=mem_pad, need_weights=False)
cases.append({"name": "cross_attention_padding", "kind": "attention", "cross": True, "fused_qkv": True,
              "causal": False, "params": {k: tensor(v) for k, v in mha_params("", mha, True, True).items()},
              "query": tensor(x), "key_value": tensor(memory), "key_padding_mask": tensor(mem_pad.double()),
              "output": tensor(y)})

# Encoder layers: pre-LN GELU causal (the LM block) and post-LN ReLU with padding.
for pre_ln, act, use_causal in ((True, "gelu", True), (False, "relu", False)):
    layer = randomize(torch.nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True,
                                                       norm_first=pre_ln)).train()
    y = layer(x, src_mask=causal if use_causal else None, src_key_padding_mask=pad)
    cases.append({"name": "encoder_layer_%s_%s" % ("pre_ln" if pre_ln else "post_ln", act), "kind": "encoder",
                  "pre_ln": pre_ln, "activation": act, "causal": use_causal, "d_ff": FF,
                  "params": layer_params(layer, False), "query": tensor(x),
                  "key_padding_mask": tensor(pad.double()), "output": tensor(y)})

# Decoder layers: causal self-attention with target padding, cross-attention with memory padding.
for pre_ln, act in ((True, "gelu"), (False, "relu")):
    layer = randomize(torch.nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True,
                                                       norm_first=pre_ln)).train()
    y = layer(x, memory, tgt_mask=causal, tgt_key_padding_mask=pad, memory_key_padding_mask=mem_pad)
    cases.append({"name": "decoder_layer_%s_%s" % ("pre_ln" if pre_ln else "post_ln", act), "kind": "decoder",
                  "pre_ln": pre_ln, "activation": act, "causal": True, "d_ff": FF,
                  "params": layer_params(layer, True), "query": tensor(x), "key_value": tensor(memory),
                  "key_padding_mask": tensor(pad.double()), "memory_padding_mask": tensor(mem_pad.double()),
                  "output": tensor(y)})

print(json.dumps({"torch_version": torch.__version__, "d_model": D, "num_heads": H, "cases": cases}))
