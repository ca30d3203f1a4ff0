#!/usr/bin/env python3
"""Golden trajectories for COCOB-Backprop.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_cocob.py > tests/golden/optim/cocob.json
Equations (shared/spec/training-algorithms.md; Orabona & Tommasi 2017, Algorithm 2), per coordinate,
g including coupled wd x, L starting at eps:
  L = max(L, |g|);  G += |g|;  R = max(R - g (x - x0), 0);  theta -= g
  x = x0 + theta / (L max(G + L, alpha L)) (L + R)
Cross-checked (official.py) against parameterfree.COCOB (Orabona's own package) and
optax.contrib.cocob (float64), tolerance 1e-12.
"""
import numpy as np
import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot


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


cases = []
for alpha, wd in [(100.0, 0.0), (10.0, 0.05)]:
    traj = cocob(alpha, 1e-8, wd, 15)
    label = f"cocob case {len(cases)}"
    try:
        import parameterfree
        official.compare(label, traj, official.torch_trajectory(
            lambda ps: parameterfree.COCOB(ps, alpha=alpha, eps=1e-8, weight_decay=wd), initial(), loss_fn, 15,
            record=lambda ps, opt: {"x": snapshot([p.detach() for p in ps])}),
            f"parameterfree.COCOB ({official.version('parameterfree')})", 1e-12,
            "COCOB-Backprop's L initialised at eps, reward clipped at 0, coupled wd")
    except ImportError as exc:
        official.unavailable(label, "parameterfree.COCOB", exc)
    try:
        import optax.contrib
        official.compare(label, traj, official.optax_trajectory(
            optax.contrib.cocob(1.0, alpha=alpha, eps=1e-8, weight_decay=wd), initial(), grads, 15,
            record=lambda ps, st: {"x": snapshot([torch.from_numpy(np.asarray(p)) for p in ps])}),
            f"optax.contrib.cocob ({official.version('optax')})", 1e-12,
            "optax's cocob: scale initialised at eps, weight decay added to the gradient")
    except ImportError as exc:
        official.unavailable(label, "optax.contrib.cocob", exc)
    cases.append({"alpha": alpha, "eps": 1e-8, "weight_decay": wd, "trajectory": traj})
dump({"cocob": cases})
