#!/usr/bin/env python3
"""Golden trajectories for trainperf's SGDMomentum (heavy ball and Nesterov, coupled weight decay),
written from the update rule.

Cross-checked (official.py) against torch.optim.SGD(momentum, nesterov) and against AlgoPerf's JAX
momentum/Nesterov baselines' optimizer, optax.chain(optax.add_decayed_weights(wd),
optax.sgd(lr, momentum, nesterov)) (float64), tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_sgd_momentum.py > tests/golden/optim/sgd_momentum.json
"""
import json

import torch

import official
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
    label = f"sgd_momentum case {len(cases)}"
    official.compare(label, traj, problem.run_torch(
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov), 10),
        f"torch.optim.SGD ({official.version('torch')})", 1e-12,
        "torch.optim.SGD: buf = mu buf + (g + wd x) (no dampening), Nesterov step d + mu buf")
    try:
        import optax
        official.compare(label, traj, official.optax_trajectory(
            optax.chain(optax.add_decayed_weights(wd), optax.sgd(lr, momentum=mu, nesterov=nesterov)),
            problem.initial(), problem.grads_list, 10),
            f"optax.chain(add_decayed_weights, sgd) ({official.version('optax')}, as AlgoPerf's JAX momentum baseline)",
            1e-12, "optax.trace: t = g + mu t; Nesterov g + mu t (decay added to g before the momentum)")
    except ImportError as exc:
        official.unavailable(label, "optax.sgd", exc)
    cases.append({"lr": lr, "momentum": mu, "weight_decay": wd, "nesterov": nesterov, "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "sgd_momentum": cases}, indent=1))
