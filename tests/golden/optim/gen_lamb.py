#!/usr/bin/python3
"""Golden trajectories for trainperf's LAMB, written from the update rule (You et al. 2020, as
AlgoPerf's LAMB baseline: bias-corrected Adam direction plus wd x, per-tensor trust ratio
||x|| / ||u||, 1 when either norm is 0). The second case starts b at 0 so the guard is exercised.

/usr/bin/python3 tests/golden/optim/gen_lamb.py > tests/golden/optim/lamb.json
"""
import json

import torch

import problem


def lamb(lr, b1, b2, eps, wd, steps, zero_bias):
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    v = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            u = (m[i] / (1 - b1 ** t)) / (torch.sqrt(v[i] / (1 - b2 ** t)) + eps) + wd * p
            x_norm, u_norm = float(p.norm()), float(u.norm())
            trust = x_norm / u_norm if x_norm > 0 and u_norm > 0 else 1.0
            p.sub_(lr * trust * u)

    if zero_bias:
        saved = problem.B0.clone()
        problem.B0.zero_()
    try:
        return problem.run(update, steps)
    finally:
        if zero_bias:
            problem.B0.copy_(saved)


cases = []
for lr, b1, b2, eps, wd, zero_bias in [(0.01, 0.9, 0.999, 1e-8, 0.01, False), (0.02, 0.8, 0.99, 1e-6, 0.0, True)]:
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "zero_bias": zero_bias,
                  "trajectory": lamb(lr, b1, b2, eps, wd, 10, zero_bias)})

print(json.dumps({**problem.problem(), "lamb": cases}, indent=1))
