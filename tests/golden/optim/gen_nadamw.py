#!/usr/bin/python3
"""Golden trajectories for trainperf's NAdamW and warmup+cosine schedule.

Written from the equations in shared/spec/training-algorithms.md, independently of the C++ code.
Run with Debian's python3-torch:  /usr/bin/python3 tests/golden/optim/gen_nadamw.py > tests/golden/optim/nadamw.json
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(1234)
X = torch.randn(6, 4, generator=g)
Y = torch.randn(6, 3, generator=g)
W0 = torch.randn(3, 4, generator=g) * 0.5
B0 = torch.randn(3, generator=g) * 0.5


def loss_fn(w, b):
    return ((X @ w.T + b - Y) ** 2).mean() + 0.1 * (b ** 2).sum()


def nadamw(lr, b1, b2, eps, wd, steps):
    w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
    m = [torch.zeros_like(w), torch.zeros_like(b)]
    v = [torch.zeros_like(w), torch.zeros_like(b)]
    traj = []
    for t in range(1, steps + 1):
        for p in (w, b):
            p.grad = None
        loss_fn(w, b).backward()
        with torch.no_grad():
            for i, p in enumerate((w, b)):
                grad = p.grad
                p.mul_(1 - lr * wd)
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                m_tilde = b1 * m[i] + (1 - b1) * grad
                p.sub_(lr * (m_tilde / (1 - b1 ** t)) / (torch.sqrt(v[i] / (1 - b2 ** t)) + eps))
        traj.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return traj


def warmup_cosine(t, total, warmup_factor):
    warmup = int(warmup_factor * total)
    if t < warmup:
        return t / warmup
    if t >= total:
        return 0.0
    return 0.5 * (1 + math.cos(math.pi * (t - warmup) / max(total - warmup, 1)))


# Sanity check of this reference against torch.optim.AdamW: with beta1 = 0 the look-ahead is the
# gradient itself, so NAdamW and AdamW (decoupled decay scaled by lr) coincide.
ref = nadamw(0.01, 0.0, 0.99, 1e-8, 0.1, 5)
w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
opt = torch.optim.AdamW([w, b], lr=0.01, betas=(0.0, 0.99), eps=1e-8, weight_decay=0.1)
for t in range(5):
    opt.zero_grad()
    loss_fn(w, b).backward()
    opt.step()
assert torch.allclose(w.detach().flatten(), torch.tensor(ref[-1]["w"]), atol=1e-12)

cases = []
for lr, b1, b2, eps, wd in [(0.01, 0.9, 0.99, 1e-8, 0.1), (0.003, 0.97, 0.999, 1e-6, 0.0)]:
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd,
                  "trajectory": nadamw(lr, b1, b2, eps, wd, 10)})

out = {
    "X": X.tolist(), "Y": Y.tolist(), "W0": W0.tolist(), "B0": B0.tolist(),
    "loss": "mean((X W^T + b - Y)^2) + 0.1 * sum(b^2)",
    "nadamw": cases,
    "warmup_cosine": [{"total": 20, "warmup_factor": 0.1, "values": [warmup_cosine(t, 20, 0.1) for t in range(26)]},
                      {"total": 7, "warmup_factor": 0.3, "values": [warmup_cosine(t, 7, 0.3) for t in range(10)]}],
}
print(json.dumps(out, indent=1))
