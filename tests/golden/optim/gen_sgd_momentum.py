#!/usr/bin/python3
"""Golden trajectories for trainperf's SGDMomentum (heavy ball and Nesterov, coupled weight decay),
written from the update rule and cross-checked against torch.optim.SGD(momentum, nesterov).

/usr/bin/python3 tests/golden/optim/gen_sgd_momentum.py > tests/golden/optim/sgd_momentum.json
"""
import json

import torch

import problem


def sgd(lr, mu, wd, nesterov, steps):
    buf = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            d = g + wd * p
            buf[i] = mu * buf[i] + d
            p.sub_(lr * (d + mu * buf[i] if nesterov else buf[i]))

    return problem.run(update, steps)


cases = []
for lr, mu, wd, nesterov in [(0.05, 0.9, 1e-3, False), (0.05, 0.9, 1e-3, True), (0.1, 0.5, 0.0, True)]:
    traj = sgd(lr, mu, wd, nesterov, 10)
    ref = problem.run_torch(
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov), 10)
    problem.assert_same(traj, ref)
    cases.append({"lr": lr, "momentum": mu, "weight_decay": wd, "nesterov": nesterov, "trajectory": traj})

print(json.dumps({**problem.problem(), "sgd_momentum": cases}, indent=1))
