#!/usr/bin/python3
"""Golden trajectories for Schedule-Free AdamW and Schedule-Free SGD.

Run with Debian's python3-torch:
  /usr/bin/python3 tests/golden/optim/gen_schedule_free.py > tests/golden/optim/schedule_free.json
Equations (shared/spec/training-algorithms.md; Defazio et al. 2024), k counting from 0:
  gamma = lr min(1, (k+1)/warmup); lr_max = max(lr_max, gamma); w = (k+1)^r lr_max^p; W += w; c = w/W
  AdamW: z -= gamma wd y; v = b2 v + (1-b2) g^2; z -= gamma g / (sqrt(v/(1-b2^(k+1))) + eps)
  SGD:   z -= gamma (g + wd y)
  x = (1-c) x + c z;  y = b1 x + (1-b1) z.  Gradients at y; the trajectory records y and x.
"""
import torch

from lr_free_problem import B0, W0, dump, grads, loss_fn, snapshot


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
for lr, b1, wd, warmup, r, power in [(0.2, 0.9, 0.05, 4, 0.5, 2.0), (0.1, 0.8, 0.0, 0, 0.0, 2.0)]:
    sgd_cases.append({"lr": lr, "momentum": b1, "weight_decay": wd, "warmup_steps": warmup, "r": r,
                      "weight_lr_power": power, "trajectory": schedule_free("sgd", lr, b1, wd, warmup, r, power, 10)})
dump({"schedule_free_adamw": adamw_cases, "schedule_free_sgd": sgd_cases})
