#!/usr/bin/python3
"""Golden trajectories for trainperf's SAM wrapping AdamW, written from the equations (Foret et al.
2021): e = rho g / (||g|| + 1e-12) over all parameters, g' = gradient at x + e, x restored, AdamW step
with g'. The AdamW step is torch.optim.AdamW (itself checked in gen_adamw.py), and the result is
cross-checked against a hand-written AdamW.

/usr/bin/python3 tests/golden/optim/gen_sam.py > tests/golden/optim/sam.json
"""
import json

import torch

import problem


def sam(rho, lr, b1, b2, eps, wd, steps, base="torch"):
    w, b = problem.W0.clone().requires_grad_(), problem.B0.clone().requires_grad_()
    params = [w, b]
    opt = torch.optim.AdamW(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    traj = []
    for t in range(1, steps + 1):
        g = problem.grads(w, b)
        norm = torch.sqrt(sum((gi * gi).sum() for gi in g))
        e = [rho * gi / (norm + 1e-12) for gi in g]
        g2 = problem.grads(w.detach() + e[0], b.detach() + e[1])
        if base == "torch":
            for p, gi in zip(params, g2):
                p.grad = gi
            opt.step()
        else:
            with torch.no_grad():
                for i, (p, gi) in enumerate(zip(params, g2)):
                    p.mul_(1 - lr * wd)
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    p.sub_(lr * (m[i] / (1 - b1 ** t)) / (torch.sqrt(v[i] / (1 - b2 ** t)) + eps))
        traj.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return traj


cases = []
for rho, lr, b1, b2, eps, wd in [(0.05, 0.01, 0.9, 0.999, 1e-8, 0.1), (0.5, 0.003, 0.8, 0.99, 1e-8, 0.0)]:
    traj = sam(rho, lr, b1, b2, eps, wd, 10)
    problem.assert_same(traj, sam(rho, lr, b1, b2, eps, wd, 10, base="manual"))
    cases.append({"rho": rho, "lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd,
                  "trajectory": traj})

print(json.dumps({**problem.problem(), "sam": cases}, indent=1))
