#!/usr/bin/python3
"""Python (PyTorch) reference for bench/workload_step.cpp: a workload's model, batch and NAdamW step.

--workload fmnist_mlp: the 784-256-256-10 ReLU MLP with dropout 0.1; fmnist_resnet: the ResNet-8
(8-16-32 channels, BatchNorm) with pad-2 random crops and flips. Same global batch, same data
(Fashion-MNIST from dataset-fashion-mnist, standardised), the AlgoPerf PyTorch NAdamW update with
warmup+cosine (the nadamw self-tuning point), and the same timed region as trainperf's runner: select
the next batch (augmentation included), forward, loss, backward, step. Prints one JSON line:
{"steps_per_second": [..per repeat..], "data_fraction": [..per repeat..]}.
"""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", choices=["fmnist_mlp", "fmnist_resnet"], default="fmnist_mlp")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

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
                h = torch.nn.functional.dropout(torch.relu(layer(h)), 0.1, self.training)
            return self.head(h)

    def conv3x3(i, o, stride):
        return torch.nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False)

    class Block(torch.nn.Module):
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
            self.blocks = torch.nn.Sequential(Block(8, 8, 1), Block(8, 16, 2), Block(16, 32, 2))
            self.head = torch.nn.Linear(32, 10)

        def forward(self, inp):
            h = torch.relu(self.stem_bn(self.stem(inp)))
            pooled = torch.nn.functional.dropout(self.blocks(h).mean((2, 3)), 0.1, self.training)
            return self.head(pooled)

    gen = torch.Generator().manual_seed(1)

    def augment(xb):  # pad 2 with the background value, random 28x28 crop, random horizontal flip
        b = xb.shape[0]
        padded = torch.nn.functional.pad(xb, (2, 2, 2, 2), value=float(xb.min()))
        off = torch.randint(0, 5, (b, 2), generator=gen).tolist()
        out = torch.stack([padded[i, :, r:r + 28, c:c + 28] for i, (r, c) in enumerate(off)])
        flip = torch.rand(b, generator=gen) < 0.5
        return torch.where(flip.view(b, 1, 1, 1), out.flip(3), out)

    model = Mlp() if a.workload == "fmnist_mlp" else ResNet()
    model.train()
    opt = NAdamW(model.parameters(), lr=1.7486387539278373e-3, betas=(1 - 0.06733926164, 0.9955159689799007),
                 eps=1e-8, weight_decay=0.08121616522670176)
    step_hint, warmup = 3000, int(0.02 * 3000)
    order = torch.randperm(x.shape[0])
    cursor, global_step = 0, 0
    rates, data_fractions = [], []
    for _ in range(a.repeats + 1):  # the first repeat warms up
        t0 = time.perf_counter()
        data_time = 0.0
        for _ in range(a.steps):
            td = time.perf_counter()
            if cursor + a.batch > x.shape[0]:
                order, cursor = torch.randperm(x.shape[0]), 0
            idx = order[cursor:cursor + a.batch]
            cursor += a.batch
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            if a.workload == "fmnist_resnet":
                xb = augment(xb)
            data_time += time.perf_counter() - td
            opt.zero_grad()
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb, reduction="sum") / a.batch
            loss.backward()
            t = global_step
            mult = t / warmup if t < warmup else (
                0.0 if t >= step_hint else 0.5 * (1 + math.cos(math.pi * (t - warmup) / (step_hint - warmup))))
            for group in opt.param_groups:
                group["lr"] = 1.7486387539278373e-3 * mult
            opt.step()
            global_step += 1
        elapsed = time.perf_counter() - t0
        rates.append(a.steps / elapsed)
        data_fractions.append(data_time / elapsed)
    print(json.dumps({"steps_per_second": rates[1:], "data_fraction": data_fractions[1:],
                      "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
