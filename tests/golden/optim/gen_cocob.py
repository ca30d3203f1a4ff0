#!/usr/bin/python3
"""Golden trajectories for COCOB-Backprop.

Run with Debian's python3-torch:  /usr/bin/python3 tests/golden/optim/gen_cocob.py > tests/golden/optim/cocob.json
Equations (shared/spec/training-algorithms.md; Orabona & Tommasi 2017, Algorithm 2), per coordinate,
g including coupled wd x, L starting at eps:
  L = max(L, |g|);  G += |g|;  R = max(R - g (x - x0), 0);  theta -= g
  x = x0 + theta / (L max(G + L, alpha L)) (L + R)
"""
import torch

from lr_free_problem import B0, W0, dump, grads, snapshot


def cocob(alpha, eps, wd, steps):
    x = [W0.clone(), B0.clone()]
    x0 = [p.clone() for p in x]
    L = [torch.full_like(p, eps) for p in x]
    G = [torch.zeros_like(p) for p in x]
    R = [torch.zeros_like(p) for p in x]
    theta = [torch.zeros_like(p) for p in x]
    traj = []
    for _ in range(steps):
        g = [gi + wd * xi for gi, xi in zip(grads(x), x)]
        for i in range(2):
            L[i] = torch.maximum(L[i], g[i].abs())
            G[i] = G[i] + g[i].abs()
            R[i] = torch.clamp(R[i] - g[i] * (x[i] - x0[i]), min=0.0)
            theta[i] = theta[i] - g[i]
            x[i] = x0[i] + theta[i] / (L[i] * torch.maximum(G[i] + L[i], alpha * L[i])) * (L[i] + R[i])
        traj.append({"x": snapshot(x)})
    return traj


cases = [{"alpha": alpha, "eps": 1e-8, "weight_decay": wd, "trajectory": cocob(alpha, 1e-8, wd, 15)}
         for alpha, wd in [(100.0, 0.0), (10.0, 0.05)]]
dump({"cocob": cases})
