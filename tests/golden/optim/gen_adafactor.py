#!/usr/bin/python3
"""Golden trajectories for trainperf's Adafactor, written from the equations (Shazeer & Stern 2018 with
the Adam-style decay of AlgoPerf's PyTorch baseline): b^ = b2 (1 - b2^(t-1)) / (1 - b2^t),
factored second moment for the matrix (row and column means of g^2 + eps), full one for the vector,
u = g / sqrt(V), clipped by max(1, RMS(u) / d), scaled by lr, optional momentum on it, decoupled
decay x (1 - lr wd).

/usr/bin/python3 tests/golden/optim/gen_adafactor.py > tests/golden/optim/adafactor.json
"""
import json
import math

import torch

import problem


def adafactor(lr, b1, b2, eps, clip, wd, steps):
    n_rows, n_cols = problem.W0.shape
    row, col = torch.zeros(n_rows), torch.zeros(n_cols)
    vec = torch.zeros_like(problem.B0)
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        nonlocal row, col, vec
        decay = b2 * (1 - b2 ** (t - 1)) / (1 - b2 ** t)
        for i, (p, g) in enumerate(zip(params, grads)):
            s = g * g + eps
            if g.dim() == 2:
                row = decay * row + (1 - decay) * s.mean(dim=1)
                col = decay * col + (1 - decay) * s.mean(dim=0)
                V = torch.outer(row / row.mean(), col)
            else:
                vec = decay * vec + (1 - decay) * s
                V = vec
            u = g / torch.sqrt(V)
            rms = math.sqrt(float((u * u).mean()))
            u = lr * u / max(1.0, rms / clip)
            if b1 > 0:
                m[i] = b1 * m[i] + (1 - b1) * u
                u = m[i]
            p.mul_(1 - lr * wd)
            p.sub_(u)

    return problem.run(update, steps)


cases = []
for lr, b1, b2, eps, clip, wd in [(0.01, 0.9, 0.99, 1e-30, 1.0, 0.1), (0.03, 0.0, 0.9, 1e-30, 0.5, 0.0)]:
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "clip_threshold": clip, "weight_decay": wd,
                  "trajectory": adafactor(lr, b1, b2, eps, clip, wd, 10)})

print(json.dumps({**problem.problem(), "adafactor": cases}, indent=1))
