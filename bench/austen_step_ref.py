#!/usr/bin/python3
"""Python (PyTorch) reference for bench/austen_step.cpp: the austen_lm model, batch and NAdamW step.

The same decoder-only pre-LN transformer as src/workloads/common/language_model.cpp and
src/nn/transformer.cpp, written with the same tensor operations (fused qkv projection, explicit
masked softmax attention, GELU feed-forward, residual dropout, learned positions, tied head), the
same data (the prepared train.ids token stream, windows of context+1 tokens at a random phase per
epoch), AlgoPerf's PyTorch NAdamW with warmup+cosine, and the same timed region as trainperf's
runner: select the next batch, forward, loss, backward, step. The C++ side passes every size.
Prints one JSON line: {"steps_per_second": [..per repeat..], "data_fractions": [...]}.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from fmnist_step_ref import NAdamW


def read_ids(path):
    data = open(path, "rb").read()
    assert data[:8] == b"TPTOKID1", path + ": not a token-id file"
    vocab = int.from_bytes(data[8:12], "little")
    n = int.from_bytes(data[16:24], "little")
    ids = np.frombuffer(data, dtype="<u4", offset=24, count=n).astype(np.int64)
    return torch.from_numpy(ids), vocab


class Block(torch.nn.Module):
    def __init__(self, d, heads, d_ff, dropout, pre_ln):
        super().__init__()
        self.heads, self.dropout, self.pre_ln = heads, dropout, pre_ln
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.out = torch.nn.Linear(d, d)
        self.fc1 = torch.nn.Linear(d, d_ff)
        self.fc2 = torch.nn.Linear(d_ff, d)
        self.norm1 = torch.nn.LayerNorm(d)
        self.norm2 = torch.nn.LayerNorm(d)

    def attention(self, x, mask):
        B, T, D = x.shape
        H = self.heads
        q, k, v = self.qkv(x).chunk(3, -1)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(D // H))
        probs = torch.softmax(scores.masked_fill(mask, torch.finfo(scores.dtype).min), -1)
        return self.out(torch.matmul(probs, v).transpose(1, 2).reshape(B, T, D))

    def residual(self, x, norm, f):
        if self.pre_ln:
            return x + F.dropout(f(norm(x)), self.dropout, self.training)
        return norm(x + F.dropout(f(x), self.dropout, self.training))

    def forward(self, x, mask):
        x = self.residual(x, self.norm1, lambda h: self.attention(h, mask))
        return self.residual(x, self.norm2, lambda h: self.fc2(F.gelu(self.fc1(h))))


class DecoderLm(torch.nn.Module):
    def __init__(self, vocab, context, d, heads, d_ff, layers, dropout, pre_ln):
        super().__init__()
        self.dropout = dropout
        self.token_embedding = torch.nn.Embedding(vocab, d)
        self.positions = torch.nn.Embedding(context, d)
        torch.nn.init.normal_(self.token_embedding.weight, std=0.02)
        torch.nn.init.normal_(self.positions.weight, std=0.02)
        self.layers = torch.nn.ModuleList(Block(d, heads, d_ff, dropout, pre_ln) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(d) if pre_ln else None
        for m in self.modules():
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(m.weight)
                torch.nn.init.zeros_(m.bias)

    def forward(self, ids):
        T = ids.shape[1]
        h = F.dropout(self.token_embedding(ids) + self.positions.weight[:T], self.dropout, self.training)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        for layer in self.layers:
            h = layer(h, mask)
        if self.norm is not None:
            h = self.norm(h)
        return torch.matmul(h, self.token_embedding.weight.t())


def main():
    ap = argparse.ArgumentParser()
    for name, kind in [("threads", int), ("steps", int), ("repeats", int), ("batch", int), ("context", int),
                       ("d-model", int), ("heads", int), ("d-ff", int), ("layers", int), ("pre-ln", int),
                       ("lr", float), ("one-minus-beta1", float), ("beta2", float), ("weight-decay", float),
                       ("warmup-factor", float), ("dropout", float), ("step-hint", int)]:
        ap.add_argument("--" + name, type=kind, required=True)
    ap.add_argument("--ids", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    tokens, vocab = read_ids(a.ids)
    T = a.context
    model = DecoderLm(vocab, T, a.d_model, a.heads, a.d_ff, a.layers, a.dropout, bool(a.pre_ln))
    model.train()
    opt = NAdamW(model.parameters(), lr=a.lr, betas=(1 - a.one_minus_beta1, a.beta2), eps=1e-8,
                 weight_decay=a.weight_decay)
    warmup = int(a.warmup_factor * a.step_hint)
    offsets = torch.arange(T + 1)
    gen = torch.Generator().manual_seed(1)

    def new_epoch():
        phase = int(torch.randint(T, (1,), generator=gen))
        windows = (tokens.shape[0] - 1 - phase) // T
        return phase + torch.randperm(windows, generator=gen) * T

    starts, cursor, global_step = new_epoch(), 0, 0
    rates, fractions = [], []
    for _ in range(a.repeats + 1):  # the first repeat warms up
        data_s = 0.0
        t0 = time.perf_counter()
        for _ in range(a.steps):
            d0 = time.perf_counter()
            if cursor + a.batch > starts.shape[0]:
                starts, cursor = new_epoch(), 0
            s = starts[cursor:cursor + a.batch]
            cursor += a.batch
            window = tokens.index_select(0, (s.unsqueeze(1) + offsets).flatten()).view(a.batch, T + 1)
            inputs, targets = window[:, :T], window[:, 1:]
            data_s += time.perf_counter() - d0
            opt.zero_grad()
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1), reduction="sum") / targets.numel()
            loss.backward()
            t = global_step
            mult = t / warmup if t < warmup else (
                0.0 if t >= a.step_hint else 0.5 * (1 + math.cos(math.pi * (t - warmup) / (a.step_hint - warmup))))
            for group in opt.param_groups:
                group["lr"] = a.lr * mult
            opt.step()
            global_step += 1
        elapsed = time.perf_counter() - t0
        rates.append(a.steps / elapsed)
        fractions.append(data_s / elapsed)
    print(json.dumps({"steps_per_second": rates[1:], "data_fractions": fractions[1:],
                      "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
