#!/usr/bin/env python3
"""Golden trajectories for Schedule-Free AdamW and Schedule-Free SGD.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_schedule_free.py > tests/golden/optim/schedule_free.json
Equations (shared/spec/training-algorithms.md; Defazio et al. 2024), k counting from 0:
  gamma = lr min(1, (k+1)/warmup); lr_max = max(lr_max, gamma); w = (k+1)^r lr_max^p; W += w; c = w/W
  AdamW: z -= gamma wd y; v = b2 v + (1-b2) g^2; z -= gamma g / (sqrt(v/(1-b2^(k+1))) + eps)
  SGD:   z -= gamma (g + wd y)
  x = (1-c) x + c z;  y = b1 x + (1-b1) z.  Gradients at y; the trajectory records y and x.
Cross-checked (official.py) against schedulefree.AdamWScheduleFree and schedulefree.SGDScheduleFree
(y = the parameters in train mode, x = the parameters after .eval()), float64, tolerance 1e-12.
"""
import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot


def schedule_free(kind, lr, b1, wd, warmup, r, power, steps, b2=0.999, eps=1e-8):
    y = [W0.clone(), B0.clone()]
    z = [p.clone() for p in y]
    x = [p.clone() for p in y]
    v = [torch.zeros_like(p) for p in y]
    lr_max, weight_sum, traj = 0.0, 0.0, []
    for k in range(steps):
        g = grads(y)
        gamma = lr * (min(1.0, (k + 1) / warmup) if warmup > 0 else 1.0)
        lr_max = max(lr_max, gamma)
        weight = (k + 1) ** r * lr_max ** power
        weight_sum += weight
        c = weight / weight_sum
        for i in range(2):
            if kind == "adamw":
                z[i] = z[i] - gamma * wd * y[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                z[i] = z[i] - gamma * g[i] / (torch.sqrt(v[i] / (1 - b2 ** (k + 1))) + eps)
            else:
                z[i] = z[i] - gamma * (g[i] + wd * y[i])
            x[i] = (1 - c) * x[i] + c * z[i]
            y[i] = b1 * x[i] + (1 - b1) * z[i]
        traj.append({"y": snapshot(y), "x": snapshot(x)})
    return traj


def official_schedule_free(make, steps):
    params = [p.clone().requires_grad_() for p in initial()]
    opt = make(params)
    opt.train()
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(*params).backward()
        opt.step()
        y = [p.detach().clone() for p in params]
        opt.eval()  # parameters become x
        x = [p.detach().clone() for p in params]
        opt.train()
        with torch.no_grad():
            for p, yi in zip(params, y):
                p.copy_(yi)  # back to y exactly (train() re-derives it from x and z with rounding)
        traj.append({"y": snapshot(y), "x": snapshot(x)})
    return traj


def check(label, traj, make, name, likely):
    try:
        import schedulefree
        official.compare(label, traj, official_schedule_free(lambda ps: make(schedulefree, ps), len(traj)),
                         f"schedulefree.{name} ({official.version('schedulefree')})", 1e-12, likely)
    except ImportError as exc:
        official.unavailable(label, f"schedulefree.{name}", exc)


# Cross-checks of this reference against torch.optim: with b1 = 0 the gradient point y is z, so
# Schedule-Free AdamW's y follows Adam with beta1 = 0 and Schedule-Free SGD's y follows plain SGD.
def torch_trajectory(make, steps):
    w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
    opt = make([w, b])
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(w, b).backward()
        opt.step()
    return w.detach().flatten()


ref = schedule_free("adamw", 0.05, 0.0, 0.0, 0, 0.0, 2.0, 6, b2=0.99)
assert torch.allclose(torch.tensor(ref[-1]["y"]["w"]),
                      torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.0, 0.99), eps=1e-8), 6),
                      atol=1e-12)
ref = schedule_free("sgd", 0.1, 0.0, 0.0, 0, 0.0, 2.0, 6)
assert torch.allclose(torch.tensor(ref[-1]["y"]["w"]),
                      torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1), 6), atol=1e-12)

adamw_cases, sgd_cases = [], []
for lr, b1, b2, wd, warmup, r, power in [(0.05, 0.9, 0.999, 0.1, 3, 0.75, 2.0), (0.02, 0.95, 0.99, 0.0, 0, 0.0, 1.0)]:
    adamw_cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": 1e-8, "weight_decay": wd, "warmup_steps": warmup,
                        "r": r, "weight_lr_power": power,
                        "trajectory": schedule_free("adamw", lr, b1, wd, warmup, r, power, 10, b2=b2)})
    check(f"schedule_free_adamw case {len(adamw_cases) - 1}", adamw_cases[-1]["trajectory"],
          lambda m, ps: m.AdamWScheduleFree(ps, lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd,
                                            warmup_steps=warmup, r=r, weight_lr_power=power),
          "AdamWScheduleFree", "AdamWScheduleFree: eps outside sqrt(v / (1 - b2^(k+1))), decay gamma wd y on z, "
                               "warmup (k+1)/warmup, weights (k+1)^r lr_max^p")
for lr, b1, wd, warmup, r, power in [(0.2, 0.9, 0.05, 4, 0.5, 2.0), (0.1, 0.8, 0.0, 0, 0.0, 2.0)]:
    sgd_cases.append({"lr": lr, "momentum": b1, "weight_decay": wd, "warmup_steps": warmup, "r": r,
                      "weight_lr_power": power, "trajectory": schedule_free("sgd", lr, b1, wd, warmup, r, power, 10)})
    check(f"schedule_free_sgd case {len(sgd_cases) - 1}", sgd_cases[-1]["trajectory"],
          lambda m, ps: m.SGDScheduleFree(ps, lr=lr, momentum=b1, weight_decay=wd, warmup_steps=warmup, r=r,
                                          weight_lr_power=power),
          "SGDScheduleFree", "SGDScheduleFree: z -= gamma (g + wd y), weights (k+1)^r lr_max^p")
dump({"schedule_free_adamw": adamw_cases, "schedule_free_sgd": sgd_cases})
