#!/usr/bin/python3
"""Python (PyTorch) reference for bench/fmnist_step.cpp: the fmnist_mlp model, batch and NAdamW step.

Same model (784-256-256-10 ReLU MLP, dropout), same global batch, same data (Fashion-MNIST from
dataset-fashion-mnist, standardised), the AlgoPerf PyTorch NAdamW update with warmup+cosine, and the
same timed region as trainperf's runner: select the next batch, forward, loss, backward, step.
Prints one JSON line: {"steps_per_second": [..per repeat..]}.
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

    model = Mlp()
    model.train()
    opt = NAdamW(model.parameters(), lr=1.7486387539278373e-3, betas=(1 - 0.06733926164, 0.9955159689799007),
                 eps=1e-8, weight_decay=0.08121616522670176)
    step_hint, warmup = 3000, int(0.02 * 3000)
    order = torch.randperm(x.shape[0])
    cursor, global_step = 0, 0
    rates = []
    for _ in range(a.repeats + 1):  # the first repeat warms up
        t0 = time.perf_counter()
        for _ in range(a.steps):
            if cursor + a.batch > x.shape[0]:
                order, cursor = torch.randperm(x.shape[0]), 0
            idx = order[cursor:cursor + a.batch]
            cursor += a.batch
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
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
        rates.append(a.steps / (time.perf_counter() - t0))
    print(json.dumps({"steps_per_second": rates[1:], "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
