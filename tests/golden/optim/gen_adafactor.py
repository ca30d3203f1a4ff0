#!/usr/bin/env python3
"""Golden trajectories for trainperf's Adafactor, written from the equations (Shazeer & Stern 2018 with
the Adam-style decay of AlgoPerf's PyTorch baseline): b^ = b2 (1 - b2^(t-1)) / (1 - b2^t),
factored second moment for the matrix (row and column means of g^2 + eps), full one for the vector,
u = g / sqrt(V), clipped by max(1, RMS(u) / d), scaled by lr, optional momentum on it, decoupled
decay x (1 - lr wd).

Cross-checked (official.py) against AlgoPerf's PyTorch Adafactor class
(algorithms/archived_paper_baselines/adafactor/pytorch/submission.py, from $TRAINPERF_ALGOPERF; its
clip_threshold set through the param group) and against optax's Adafactor pieces chained as this rule
(scale_by_factored_rms with the Adam-style decay_rate_fn and min_dim_size_to_factor=1,
clip_by_block_rms, scale(lr), ema(b1), add_decayed_weights(lr wd), scale(-1); optax.adafactor itself
fixes a t^-0.8 decay and does not scale the decay by lr), float64, tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_adafactor.py > tests/golden/optim/adafactor.json
"""
import json
import math

import torch

import official
import problem


def adafactor(lr, b1, b2, eps, clip, wd, steps):
    n_rows, n_cols = problem.W0.shape
    row, col = torch.zeros(n_rows), torch.zeros(n_cols)
    vec = torch.zeros_like(problem.B0)
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        nonlocal row, col, vec
        decay = b2 * (1 - b2 ** (t - 1)) / (1 - b2 ** t)
        for i, (p, g) in enumerate(zip(params, grads)):
            s = g * g + eps
            if g.dim() == 2:
                row = decay * row + (1 - decay) * s.mean(dim=1)
                col = decay * col + (1 - decay) * s.mean(dim=0)
                V = torch.outer(row / row.mean(), col)
            else:
                vec = decay * vec + (1 - decay) * s
                V = vec
            u = g / torch.sqrt(V)
            rms = math.sqrt(float((u * u).mean()))
            u = lr * u / max(1.0, rms / clip)
            if b1 > 0:
                m[i] = b1 * m[i] + (1 - b1) * u
                u = m[i]
            p.mul_(1 - lr * wd)
            p.sub_(u)

    return problem.run(update, steps)


def optax_adafactor(lr, b1, b2, eps, clip, wd):
    import optax

    def adam_decay(step, decay_rate):  # b^ = b2 (1 - b2^(t-1)) / (1 - b2^t), t = step + 1
        t = step + 1.0
        return b2 * (1 - b2 ** (t - 1)) / (1 - b2 ** t)

    parts = [optax.scale_by_factored_rms(factored=True, decay_rate=b2, min_dim_size_to_factor=1, epsilon=eps,
                                         decay_rate_fn=adam_decay),
             optax.clip_by_block_rms(clip), optax.scale(lr)]
    if b1 > 0:
        parts.append(optax.ema(b1, debias=False))
    parts += [optax.add_decayed_weights(lr * wd), optax.scale(-1.0)]
    return optax.chain(*parts)


REL = "algorithms/archived_paper_baselines/adafactor/pytorch/submission.py"
algoperf_adafactor = official.algoperf_definitions(REL, ["Adafactor"], "adafactor (AlgoPerf PyTorch)")

cases = []
for lr, b1, b2, eps, clip, wd in [(0.01, 0.9, 0.99, 1e-30, 1.0, 0.1), (0.03, 0.0, 0.9, 1e-30, 0.5, 0.0)]:
    traj = adafactor(lr, b1, b2, eps, clip, wd, 10)
    label = f"adafactor case {len(cases)}"
    if algoperf_adafactor:
        def make(ps):
            opt = algoperf_adafactor[0](ps, lr=lr, beta1=b1, decay_adam=b2, weight_decay=wd)
            opt.param_groups[0]["clip_threshold"] = clip
            opt.param_groups[0]["epsilon1_grad_sq_reg"] = eps
            return opt
        official.compare(label, traj, official.torch_trajectory(make, problem.initial(), problem.loss_fn, 10),
                         f"AlgoPerf {REL} Adafactor{official.checkout_commit()}", 1e-12,
                         "AlgoPerf's Adafactor: Adam-style b^, factored V for >= 2-D, RMS clip, lr, momentum on the "
                         "scaled update, x -= lr wd x")
    try:
        official.compare(label, traj, official.optax_trajectory(
            optax_adafactor(lr, b1, b2, eps, clip, wd), problem.initial(), problem.grads_list, 10),
            f"optax scale_by_factored_rms + clip_by_block_rms + ema chain ({official.version('optax')})", 1e-12,
            "optax's factored second moment: v_row / mean(v_row) x v_col, eps added to g^2 before averaging")
    except ImportError as exc:
        official.unavailable(label, "optax (factorized)", exc)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "clip_threshold": clip, "weight_decay": wd,
                  "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "adafactor": cases}, indent=1))
