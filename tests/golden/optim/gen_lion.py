#!/usr/bin/python3
"""Golden trajectories for trainperf's Lion, written from the update rule (Chen et al. 2023):
x <- x (1 - lr wd); x <- x - lr sign(b1 m + (1 - b1) g); m <- b2 m + (1 - b2) g.

/usr/bin/python3 tests/golden/optim/gen_lion.py > tests/golden/optim/lion.json
"""
import json

import torch

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
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "weight_decay": wd, "trajectory": lion(lr, b1, b2, wd, 10)})

print(json.dumps({**problem.problem(), "lion": cases}, indent=1))
