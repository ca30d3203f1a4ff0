#!/usr/bin/env python3
"""Golden trajectories for trainperf's Muon, written from the equations (Jordan et al. 2024): the matrix
W follows Muon (Nesterov momentum, 5 quintic Newton-Schulz steps with (3.4445, -4.7750, 2.0315),
scale max(1, rows/cols)^0.5, decoupled decay), the vector b AdamW (bias-corrected, decoupled decay).
The first case also orthogonalises W^T (a tall matrix) through the transpose branch.

Cross-checked (official.py) against torch.optim.Muon (W) + torch.optim.AdamW (b), and against Keller
Jordan's muon-optimizer (SingleDeviceMuonWithAuxAdam, Nesterov only; zeropower_via_newtonschulz5 for the
Newton-Schulz golden). Both official implementations run Newton-Schulz in bfloat16 (hard-coded), whose
5 quintic steps amplify the rounding to ~5-10% of an entry of the output, so the tolerance is
bfloat16-sized: 1e-2 absolute on the trajectory (lr <= 0.05, 10 steps; measured differences <= 5.4e-3)
and 0.1 on the Newton-Schulz output (measured 0.096). This catches wrong coefficients, scale or
momentum form (O(lr) per step), not fine details.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_muon.py > tests/golden/optim/muon.json
"""
import json

import torch

import official
import problem


def newton_schulz(G, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    X = G.T if G.shape[0] > G.shape[1] else G
    X = X / (torch.linalg.norm(X) + 1e-7)
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    return X.T if G.shape[0] > G.shape[1] else X


def muon(lr, mu, nesterov, wd, adam_lr, ab1, ab2, aeps, steps):
    buf = torch.zeros_like(problem.W0)
    m, v = torch.zeros_like(problem.B0), torch.zeros_like(problem.B0)

    def update(params, grads, t):
        nonlocal buf, m, v
        w, b = params
        gw, gb = grads
        buf = mu * buf + (1 - mu) * gw
        u = mu * buf + (1 - mu) * gw if nesterov else buf
        rows, cols = u.shape
        w.mul_(1 - lr * wd)
        w.sub_(lr * max(1.0, rows / cols) ** 0.5 * newton_schulz(u))
        b.mul_(1 - adam_lr * wd)
        m = ab1 * m + (1 - ab1) * gb
        v = ab2 * v + (1 - ab2) * gb * gb
        b.sub_(adam_lr * (m / (1 - ab1 ** t)) / (torch.sqrt(v / (1 - ab2 ** t)) + aeps))

    return problem.run(update, steps)


# Newton-Schulz drives the singular values of a matrix towards ~1 (into about [0.7, 1.2]).
G = torch.randn(5, 3, generator=torch.Generator().manual_seed(7))
s = torch.linalg.svdvals(newton_schulz(G))
assert float(s.min()) > 0.6 and float(s.max()) < 1.3, s

class Both:
    """Two torch optimizers stepped together (torch.optim.Muon takes only matrices)."""

    def __init__(self, *opts):
        self.opts = opts

    def zero_grad(self):
        for o in self.opts:
            o.zero_grad()

    def step(self):
        for o in self.opts:
            o.step()


BF16 = ("Newton-Schulz in bfloat16 in the official code (float64 here): differences up to ~lr / 10 per step are "
        "bfloat16 rounding; larger ones would be a real difference (coefficients, scale, momentum form)")
cases = []
for lr, mu, nesterov, wd, adam_lr in [(0.02, 0.95, True, 0.1, 0.01), (0.05, 0.9, False, 0.0, 0.003)]:
    traj = muon(lr, mu, nesterov, wd, adam_lr, 0.9, 0.95, 1e-10, 10)
    label = f"muon case {len(cases)}"
    official.compare(label, traj, problem.run_torch(lambda ps: Both(
        torch.optim.Muon([ps[0]], lr=lr, weight_decay=wd, momentum=mu, nesterov=nesterov),
        torch.optim.AdamW([ps[1]], lr=adam_lr, betas=(0.9, 0.95), eps=1e-10, weight_decay=wd)), 10),
        f"torch.optim.Muon + torch.optim.AdamW ({official.version('torch')})", 1e-2, BF16)
    if nesterov:
        try:
            import muon as kj_muon
            official.compare(label, traj, problem.run_torch(lambda ps: kj_muon.SingleDeviceMuonWithAuxAdam([
                dict(params=[ps[0]], use_muon=True, lr=lr, momentum=mu, weight_decay=wd),
                dict(params=[ps[1]], use_muon=False, lr=adam_lr, betas=(0.9, 0.95), eps=1e-10, weight_decay=wd)]),
                10), f"muon.SingleDeviceMuonWithAuxAdam ({official.version('muon-optimizer')})", 1e-2, BF16)
        except ImportError as exc:
            official.unavailable(label, "muon-optimizer", exc)
    else:
        official.skip(label + " (muon-optimizer)", "muon-optimizer's optimizers fix nesterov=True")
    cases.append({"lr": lr, "momentum": mu, "nesterov": nesterov, "weight_decay": wd, "adamw_lr": adam_lr,
                  "adamw_beta1": 0.9, "adamw_beta2": 0.95, "adamw_eps": 1e-10, "trajectory": traj})
try:
    import muon as kj_muon
    official.compare("newton_schulz", {"output": newton_schulz(G).tolist()},
                     {"output": kj_muon.zeropower_via_newtonschulz5(G.clone(), 5).double().tolist()},
                     f"muon.zeropower_via_newtonschulz5 ({official.version('muon-optimizer')})", 0.1, BF16)
except ImportError as exc:
    official.unavailable("newton_schulz", "muon-optimizer", exc)

out = {**problem.problem(), "muon": cases,
       "newton_schulz": {"input": G.tolist(), "output": newton_schulz(G).tolist()}}
official.emit(json.dumps(out, indent=1))
