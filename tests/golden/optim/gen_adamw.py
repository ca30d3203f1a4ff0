#!/usr/bin/env python3
"""Golden trajectories for trainperf's AdamW, written from the update rule (Loshchilov & Hutter 2019,
decoupled decay scaled by lr as torch.optim.AdamW).

Cross-checked (official.py) against torch.optim.AdamW and optax.adamw (float64), tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_adamw.py > tests/golden/optim/adamw.json
"""
import json

import torch

import official
import problem


def adamw(lr, b1, b2, eps, wd, steps):
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    v = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            p.mul_(1 - lr * wd)
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            p.sub_(lr * (m[i] / (1 - b1 ** t)) / (torch.sqrt(v[i] / (1 - b2 ** t)) + eps))

    return problem.run(update, steps)


cases = []
for lr, b1, b2, eps, wd in [(0.01, 0.9, 0.99, 1e-8, 0.1), (0.003, 0.5, 0.999, 1e-6, 0.0)]:
    traj = adamw(lr, b1, b2, eps, wd, 10)
    label = f"adamw case {len(cases)}"
    official.compare(label, traj, problem.run_torch(
        lambda ps: torch.optim.AdamW(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), 10),
        f"torch.optim.AdamW ({official.version('torch')})", 1e-12,
        "torch.optim.AdamW's decay is p *= 1 - lr wd before the Adam step, eps outside the sqrt of v_hat")
    try:
        import optax
        official.compare(label, traj, official.optax_trajectory(
            optax.adamw(lr, b1=b1, b2=b2, eps=eps, weight_decay=wd), problem.initial(), problem.grads_list, 10),
            f"optax.adamw ({official.version('optax')})", 1e-12,
            "optax adds wd x to the Adam direction before scaling by lr (same as p *= 1 - lr wd); eps outside sqrt")
    except ImportError as exc:
        official.unavailable(label, "optax.adamw", exc)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "adamw": cases}, indent=1))
