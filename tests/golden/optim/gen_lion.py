#!/usr/bin/env python3
"""Golden trajectories for trainperf's Lion, written from the update rule (Chen et al. 2023):
x <- x (1 - lr wd); x <- x - lr sign(b1 m + (1 - b1) g); m <- b2 m + (1 - b2) g.

Cross-checked (official.py) against lion_pytorch.Lion (lucidrains, the PyTorch port the paper links)
and optax.lion (float64), tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_lion.py > tests/golden/optim/lion.json
"""
import json

import torch

import official
import problem


def lion(lr, b1, b2, wd, steps):
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            p.mul_(1 - lr * wd)
            p.sub_(lr * torch.sign(b1 * m[i] + (1 - b1) * g))
            m[i] = b2 * m[i] + (1 - b2) * g

    return problem.run(update, steps)


cases = []
for lr, b1, b2, wd in [(0.01, 0.9, 0.99, 0.5), (0.003, 0.95, 0.98, 0.0)]:
    traj = lion(lr, b1, b2, wd, 10)
    label = f"lion case {len(cases)}"
    try:
        from lion_pytorch import Lion
        official.compare(label, traj, problem.run_torch(
            lambda ps: Lion(ps, lr=lr, betas=(b1, b2), weight_decay=wd), 10),
            f"lion_pytorch.Lion ({official.version('lion-pytorch')})", 1e-12,
            "lion_pytorch: p *= 1 - lr wd, then sign(b1 m + (1 - b1) g), then m = b2 m + (1 - b2) g")
    except ImportError as exc:
        official.unavailable(label, "lion_pytorch.Lion", exc)
    try:
        import optax
        official.compare(label, traj, official.optax_trajectory(
            optax.lion(lr, b1=b1, b2=b2, weight_decay=wd), problem.initial(), problem.grads_list, 10),
            f"optax.lion ({official.version('optax')})", 1e-12,
            "optax.lion adds wd x to the sign direction before scaling by lr (= p *= 1 - lr wd)")
    except ImportError as exc:
        official.unavailable(label, "optax.lion", exc)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "weight_decay": wd, "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "lion": cases}, indent=1))
