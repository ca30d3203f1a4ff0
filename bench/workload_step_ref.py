#!/usr/bin/env python3
"""Python (PyTorch) reference for bench/workload_step.cpp: a workload's model, batch and NAdamW step.

--workload fmnist_mlp: the 784-256-256-10 ReLU MLP; fmnist_resnet: the ResNet-8 (8-16-32 channels,
BatchNorm) with pad-2 random crops and flips, both on Fashion-MNIST from dataset-fashion-mnist
(standardised). austen_lm / austen_lm_post_ln: the decoder-only transformer of
src/workloads/common/language_model.cpp and src/nn/transformer.cpp written with the same tensor
operations (fused qkv projection, explicit masked softmax attention, GELU feed-forward, residual
dropout, learned positions, tied head) on the prepared train.ids token stream (windows of context+1
tokens at a random phase per epoch); the C++ side passes every size.
Every workload: the same global batch, the AlgoPerf PyTorch NAdamW update with warmup+cosine at the
hyperparameters the C++ side passes (the nadamw self-tuning point), and the same timed region as
trainperf's runner: select the next batch (augmentation included), forward, loss, backward, step.
Like trainperf: --memory-format gives the image inputs the layout the C++ workload uses (with explicit
strides: a one-channel tensor is "contiguous" in both formats, so .contiguous(memory_format=...) would
leave it as it is), and --malloc fixed sets glibc's allocator thresholds as trainperf's configure_malloc()
does (src/util/environment.cpp).
Prints one JSON line: {"steps_per_second": [..per repeat..], "data_fraction": [..per repeat..],
"flops_per_step": forward+backward FLOPs of one step counted by torch.utils.flop_counter, ...}.
"""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from ref_support import configure_malloc


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class NAdamW(torch.optim.Optimizer):
    """AlgoPerf's PyTorch NAdamW (decoupled weight decay scaled by lr, Nesterov look-ahead)."""

    def __init__(self, params, lr, betas, eps, weight_decay):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                st["step"] += 1
                t = st["step"]
                g = p.grad
                p.mul_(1 - group["lr"] * group["weight_decay"])
                st["m"].mul_(b1).add_(g, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
                look = st["m"].mul(b1).add_(g, alpha=1 - b1)
                denom = (st["v"].sqrt() / math.sqrt(1 - b2 ** t)).add_(group["eps"])
                p.addcdiv_(look, denom, value=-group["lr"] / (1 - b1 ** t))


def with_memory_format(x, fmt):
    """x with exactly the strides of fmt (4-D tensors only); no copy when it has them already (as
    trainperf's with_memory_format, which also computes the strides instead of allocating to compare)."""
    if fmt == "none" or x.dim() != 4:
        return x
    n, c, h, w = x.shape
    want = (h * w * c, 1, w * c, c) if fmt == "channels_last" else (c * h * w, h * w, w, 1)
    if x.stride() == want:
        return x
    return torch.empty_strided(x.shape, want, dtype=x.dtype).copy_(x)


def count_flops(model, next_batch, loss_fn, fmt):
    """Forward+backward FLOPs of one training step (matmuls, convolutions, attention)."""
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:  # torch 1.13
        return None
    inputs, targets = next_batch()
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(with_memory_format(inputs, fmt)), targets).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def read_ids(path):
    data = open(path, "rb").read()
    assert data[:8] == b"TPTOKID1", path + ": not a token-id file"
    vocab = int.from_bytes(data[8:12], "little")
    n = int.from_bytes(data[16:24], "little")
    ids = np.frombuffer(data, dtype="<u4", offset=24, count=n).astype(np.int64)
    return torch.from_numpy(ids), vocab


class LmBlock(torch.nn.Module):
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
        self.layers = torch.nn.ModuleList(LmBlock(d, heads, d_ff, dropout, pre_ln) for _ in range(layers))
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


def image_task(a):
    """Model, next-batch function and loss of the Fashion-MNIST workloads."""
    x = read_idx(f"{a.data_dir}/train-images-idx3-ubyte.gz")[:50000]
    y = read_idx(f"{a.data_dir}/train-labels-idx1-ubyte.gz")[:50000]
    x = ((torch.from_numpy(x.astype(np.float32)) / 255.0 - 0.2860) / 0.3530).unsqueeze(1).contiguous()
    y = torch.from_numpy(y.astype(np.int64))

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dense0 = torch.nn.Linear(784, 256)
            self.dense1 = torch.nn.Linear(256, 256)
            self.head = torch.nn.Linear(256, 10)

        def forward(self, inp):
            h = inp.flatten(1)
            for layer in (self.dense0, self.dense1):
                h = torch.nn.functional.dropout(torch.relu(layer(h)), a.dropout, self.training)
            return self.head(h)

    def conv3x3(i, o, stride):
        return torch.nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False)

    class ResBlock(torch.nn.Module):
        def __init__(self, i, o, stride):
            super().__init__()
            self.conv1, self.bn1 = conv3x3(i, o, stride), torch.nn.BatchNorm2d(o)
            self.conv2, self.bn2 = conv3x3(o, o, 1), torch.nn.BatchNorm2d(o)
            torch.nn.init.zeros_(self.bn2.weight)
            self.proj = None
            if stride != 1 or i != o:
                self.proj = torch.nn.Sequential(torch.nn.Conv2d(i, o, 1, stride=stride, bias=False),
                                                torch.nn.BatchNorm2d(o))

        def forward(self, inp):
            h = torch.relu(self.bn1(self.conv1(inp)))
            h = self.bn2(self.conv2(h))
            return torch.relu(h + (self.proj(inp) if self.proj is not None else inp))

    class ResNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.stem_bn = conv3x3(1, 8, 1), torch.nn.BatchNorm2d(8)
            self.blocks = torch.nn.Sequential(ResBlock(8, 8, 1), ResBlock(8, 16, 2), ResBlock(16, 32, 2))
            self.head = torch.nn.Linear(32, 10)

        def forward(self, inp):
            h = torch.relu(self.stem_bn(self.stem(inp)))
            pooled = torch.nn.functional.dropout(self.blocks(h).mean((2, 3)), a.dropout, self.training)
            return self.head(pooled)

    gen = torch.Generator().manual_seed(1)

    def augment(xb):  # pad 2 with the background value, random 28x28 crop, random horizontal flip
        b = xb.shape[0]
        padded = torch.nn.functional.pad(xb, (2, 2, 2, 2), value=float(xb.min()))
        off = torch.randint(0, 5, (b, 2), generator=gen).tolist()
        out = torch.stack([padded[i, :, r:r + 28, c:c + 28] for i, (r, c) in enumerate(off)])
        flip = torch.rand(b, generator=gen) < 0.5
        return torch.where(flip.view(b, 1, 1, 1), out.flip(3), out)

    state = {"order": torch.randperm(x.shape[0]), "cursor": 0}

    def next_batch():
        if state["cursor"] + a.batch > x.shape[0]:
            state["order"], state["cursor"] = torch.randperm(x.shape[0]), 0
        idx = state["order"][state["cursor"]:state["cursor"] + a.batch]
        state["cursor"] += a.batch
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        return (augment(xb) if a.workload == "fmnist_resnet" else xb), yb

    def loss_fn(logits, yb):
        return torch.nn.functional.cross_entropy(logits, yb, reduction="sum") / a.batch

    return (Mlp() if a.workload == "fmnist_mlp" else ResNet()), next_batch, loss_fn


def lm_task(a):
    """Model, next-batch function and loss of the austen_lm workloads."""
    tokens, vocab = read_ids(a.ids)
    T = a.context
    model = DecoderLm(vocab, T, a.d_model, a.heads, a.d_ff, a.layers, a.dropout, bool(a.pre_ln))
    offsets = torch.arange(T + 1)
    gen = torch.Generator().manual_seed(1)

    def new_epoch():
        phase = int(torch.randint(T, (1,), generator=gen))
        windows = (tokens.shape[0] - 1 - phase) // T
        return phase + torch.randperm(windows, generator=gen) * T

    state = {"starts": new_epoch(), "cursor": 0}

    def next_batch():
        if state["cursor"] + a.batch > state["starts"].shape[0]:
            state["starts"], state["cursor"] = new_epoch(), 0
        s = state["starts"][state["cursor"]:state["cursor"] + a.batch]
        state["cursor"] += a.batch
        window = tokens.index_select(0, (s.unsqueeze(1) + offsets).flatten()).view(a.batch, T + 1)
        return window[:, :T], window[:, 1:]

    def loss_fn(logits, targets):
        return F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1), reduction="sum") / targets.numel()

    return model, next_batch, loss_fn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", choices=["fmnist_mlp", "fmnist_resnet", "austen_lm", "austen_lm_post_ln"],
                    required=True)
    for name, kind in [("threads", int), ("steps", int), ("repeats", int), ("batch", int), ("lr", float),
                       ("one-minus-beta1", float), ("beta2", float), ("weight-decay", float),
                       ("warmup-factor", float), ("dropout", float), ("step-hint", int)]:
        ap.add_argument("--" + name, type=kind, required=True)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--memory-format", choices=["none", "contiguous", "channels_last"], default="none",
                    help="layout of 4-D inputs at the model (trainperf's WorkloadSpec::input_memory_format)")
    ap.add_argument("--malloc", choices=["fixed", "default"], default="fixed")
    ap.add_argument("--ids", help="austen_lm: the prepared train.ids")
    for name in ["context", "d-model", "heads", "d-ff", "layers", "pre-ln"]:
        ap.add_argument("--" + name, type=int, help="austen_lm model size")
    a = ap.parse_args()
    malloc_fixed = configure_malloc(a.malloc)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, next_batch, loss_fn = lm_task(a) if a.workload.startswith("austen_lm") else image_task(a)
    model.train()
    flops = count_flops(model, next_batch, loss_fn, a.memory_format)
    opt = NAdamW(model.parameters(), lr=a.lr, betas=(1 - a.one_minus_beta1, a.beta2), eps=1e-8,
                 weight_decay=a.weight_decay)
    warmup = int(a.warmup_factor * a.step_hint)
    global_step = 0
    rates, data_fractions = [], []
    for _ in range(a.repeats + 1):  # the first repeat warms up
        t0 = time.perf_counter()
        data_time = 0.0
        for _ in range(a.steps):
            td = time.perf_counter()
            inputs, targets = next_batch()
            data_time += time.perf_counter() - td
            opt.zero_grad()
            loss = loss_fn(model(with_memory_format(inputs, a.memory_format)), targets)
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
        data_fractions.append(data_time / elapsed)
    print(json.dumps({"steps_per_second": rates[1:], "data_fraction": data_fractions[1:],
                      "torch_version": torch.__version__, "flops_per_step": flops,
                      "malloc_fixed": malloc_fixed}))


if __name__ == "__main__":
    main()
