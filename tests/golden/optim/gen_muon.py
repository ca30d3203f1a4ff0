#!/usr/bin/python3
"""Golden trajectories for trainperf's Muon, written from the equations (Jordan et al. 2024): the matrix
W follows Muon (Nesterov momentum, 5 quintic Newton-Schulz steps with (3.4445, -4.7750, 2.0315),
scale max(1, rows/cols)^0.5, decoupled decay), the vector b AdamW (bias-corrected, decoupled decay).
The first case also orthogonalises W^T (a tall matrix) through the transpose branch.

/usr/bin/python3 tests/golden/optim/gen_muon.py > tests/golden/optim/muon.json
"""
import json

import torch

import problem


def newton_schulz(G, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    X = G.T if G.shape[0] > G.shape[1] else G
    X = X / (torch.linalg.norm(X) + 1e-7)
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    return X.T if G.shape[0] > G.shape[1] else X


def muon(lr, mu, nesterov, wd, adam_lr, ab1, ab2, aeps, steps):
    buf = torch.zeros_like(problem.W0)
    m, v = torch.zeros_like(problem.B0), torch.zeros_like(problem.B0)

    def update(params, grads, t):
        nonlocal buf, m, v
        w, b = params
        gw, gb = grads
        buf = mu * buf + (1 - mu) * gw
        u = mu * buf + (1 - mu) * gw if nesterov else buf
        rows, cols = u.shape
        w.mul_(1 - lr * wd)
        w.sub_(lr * max(1.0, rows / cols) ** 0.5 * newton_schulz(u))
        b.mul_(1 - adam_lr * wd)
        m = ab1 * m + (1 - ab1) * gb
        v = ab2 * v + (1 - ab2) * gb * gb
        b.sub_(adam_lr * (m / (1 - ab1 ** t)) / (torch.sqrt(v / (1 - ab2 ** t)) + aeps))

    return problem.run(update, steps)


# Newton-Schulz drives the singular values of a matrix towards ~1 (into about [0.7, 1.2]).
G = torch.randn(5, 3, generator=torch.Generator().manual_seed(7))
s = torch.linalg.svdvals(newton_schulz(G))
assert float(s.min()) > 0.6 and float(s.max()) < 1.3, s

cases = []
for lr, mu, nesterov, wd, adam_lr in [(0.02, 0.95, True, 0.1, 0.01), (0.05, 0.9, False, 0.0, 0.003)]:
    cases.append({"lr": lr, "momentum": mu, "nesterov": nesterov, "weight_decay": wd, "adamw_lr": adam_lr,
                  "adamw_beta1": 0.9, "adamw_beta2": 0.95, "adamw_eps": 1e-10,
                  "trajectory": muon(lr, mu, nesterov, wd, adam_lr, 0.9, 0.95, 1e-10, 10)})

out = {**problem.problem(), "muon": cases,
       "newton_schulz": {"input": G.tolist(), "output": newton_schulz(G).tolist()}}
print(json.dumps(out, indent=1))
