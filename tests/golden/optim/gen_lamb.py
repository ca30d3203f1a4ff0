#!/usr/bin/env python3
"""Golden trajectories for trainperf's LAMB, written from the update rule (You et al. 2020, as
AlgoPerf's LAMB baseline: bias-corrected Adam direction plus wd x, per-tensor trust ratio
||x|| / ||u||, 1 when either norm is 0). The second case starts b at 0 so the guard is exercised.

Cross-checked (official.py) against AlgoPerf's PyTorch LAMB class
(algorithms/archived_paper_baselines/lamb/pytorch/submission.py, from $TRAINPERF_ALGOPERF) and against
optax.lamb (AlgoPerf's JAX LAMB baseline; float64), tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_lamb.py > tests/golden/optim/lamb.json
"""
import json

import torch

import official
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


REL = "algorithms/archived_paper_baselines/lamb/pytorch/submission.py"
algoperf_lamb = official.algoperf_definitions(REL, ["LAMB", "lamb"], "lamb (AlgoPerf PyTorch)")

cases = []
for lr, b1, b2, eps, wd, zero_bias in [(0.01, 0.9, 0.999, 1e-8, 0.01, False), (0.02, 0.8, 0.99, 1e-6, 0.0, True)]:
    traj = lamb(lr, b1, b2, eps, wd, 10, zero_bias)
    label = f"lamb case {len(cases)}"
    init = [problem.W0.clone(), torch.zeros_like(problem.B0) if zero_bias else problem.B0.clone()]
    if algoperf_lamb:
        official.compare(label, traj, official.torch_trajectory(
            lambda ps: algoperf_lamb[0](ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), init, problem.loss_fn,
            10), f"AlgoPerf {REL} LAMB{official.checkout_commit()}", 1e-12,
            "trust ratio ||x|| / ||u|| per tensor (1 when a norm is 0), u = Adam direction + wd x")
    try:
        import optax
        official.compare(label, traj, official.optax_trajectory(
            optax.lamb(lr, b1=b1, b2=b2, eps=eps, weight_decay=wd), init, problem.grads_list, 10),
            f"optax.lamb ({official.version('optax')})", 1e-12,
            "optax.lamb: scale_by_adam, add_decayed_weights, scale_by_trust_ratio (1 when a norm is 0), -lr")
    except ImportError as exc:
        official.unavailable(label, "optax.lamb", exc)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "zero_bias": zero_bias,
                  "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "lamb": cases}, indent=1))
