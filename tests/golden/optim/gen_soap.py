#!/usr/bin/env python3
"""Golden trajectories for trainperf's SOAP, written from the algorithm of Vyas et al. 2024
(github.com/nikhilvyas/SOAP, defaults: no dim merging, 1-D tensors not preconditioned): the first
step only accumulates GG_i = (1 - sb) G_(i) G_(i)^T and takes Q_i = eigenvectors (descending); then
Adam on the projected gradient with bias correction folded into the step size, projected back,
decoupled decay after the step, GG updated after the step, and every `freq` steps one power
iteration + QR per factor with the columns ordered by the estimated eigenvalues diag(Q^T GG Q)
(exp_avg_sq permuted along). As in the reference, exp_avg is moved back to the original space and
into the (possibly new) basis after every step.

Cross-checked (official.py) against the official SOAP class (nikhilvyas/SOAP soap.py, from
$TRAINPERF_SOAP). The official code rounds GG (and Q) to float32 before its eigendecompositions and QR.
At the first step GG_i = (1 - sb) G_(i) G_(i)^T has rank 1, so the eigenvectors spanning its null space
are arbitrary and that rounding alone picks a different basis (Adam is not invariant to it): the
float64 golden and the official trajectory differ by O(lr) from the first Adam step on, which is
reported as a note, not a failure. The check that decides is our equations evaluated with the same
float32 rounding (float32_like_official) against the official code: tolerance 1e-10 (measured 5e-15).
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_soap.py > tests/golden/optim/soap.json
"""
import json
import math

import torch

import official
import problem


def project(x, qs, back=False):
    for q in qs:
        if q is None:
            x = x.permute(*range(1, x.dim()), 0)
        else:
            x = torch.tensordot(x, q, dims=([0], [1 if back else 0]))
    return x


def soap(lr, b1, b2, shampoo_beta, eps, wd, freq, steps, float32_like_official=False):
    """float32_like_official: only for the cross-check. The official code rounds GG and Q to float32 before
    its eigendecomposition and QR; this evaluates the same equations with that rounding."""
    def r32(x):
        return x.float() if float32_like_official else x

    sb = shampoo_beta if shampoo_beta >= 0 else b2
    params = [problem.W0.clone(), problem.B0.clone()]
    state = [None, None]
    traj = []
    for _ in range(steps):
        g_all = problem.grads(*params)
        for idx, (p, g) in enumerate(zip(params, g_all)):
            s = state[idx]
            precondition = g.dim() >= 2

            def accumulate(s):
                for d in range(g.dim()):
                    if s["GG"][d] is not None:
                        others = [e for e in range(g.dim()) if e != d]
                        s["GG"][d] = sb * s["GG"][d] + (1 - sb) * torch.tensordot(g, g, dims=(others, others))

            if s is None:
                s = state[idx] = {"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p),
                                  "GG": [torch.zeros(n, n) if precondition else None for n in g.shape]}
                accumulate(s)
                s["Q"] = [None if f is None else
                          torch.flip(torch.linalg.eigh(r32(f) + 1e-30 * torch.eye(f.shape[0]))[1], dims=[1])
                          for f in s["GG"]]
                continue
            gp = project(g, s["Q"])
            s["step"] += 1
            t = s["step"]
            s["m"] = b1 * s["m"] + (1 - b1) * gp
            s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
            step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p.sub_(step_size * project(s["m"] / (torch.sqrt(s["v"]) + eps), s["Q"], back=True))
            p.mul_(1 - lr * wd)
            # update_preconditioner
            m_orig = project(s["m"], s["Q"], back=True)
            accumulate(s)
            if t % freq == 0:
                for d, (f, q) in enumerate(zip(s["GG"], s["Q"])):
                    if f is None:
                        continue
                    order = torch.argsort(torch.diag(r32(q).T @ r32(f) @ r32(q)), descending=True)
                    s["v"] = s["v"].index_select(d, order)
                    s["Q"][d] = torch.linalg.qr(r32(f) @ r32(q)[:, order])[0].to(f.dtype)
            s["m"] = project(m_orig, s["Q"])
        traj.append({"w": params[0].flatten().tolist(), "b": params[1].tolist()})
    return traj


soap_module = official.import_checkout_module("TRAINPERF_SOAP", "nikhilvyas/SOAP", "soap.py", "soap (official)")

cases = []
for lr, b1, b2, sb, eps, wd, freq, steps in [(0.01, 0.95, 0.95, -1.0, 1e-8, 0.01, 3, 10),
                                             (0.003, 0.9, 0.99, 0.9, 1e-8, 0.0, 2, 8)]:
    traj = soap(lr, b1, b2, sb, eps, wd, freq, steps)
    if soap_module:
        label = f"soap case {len(cases)}"
        ref = problem.run_torch(
            lambda ps: soap_module.SOAP(ps, lr=lr, betas=(b1, b2), shampoo_beta=sb, eps=eps, weight_decay=wd,
                                        precondition_frequency=freq), steps)
        name = f"nikhilvyas/SOAP soap.py SOAP{official.checkout_commit('TRAINPERF_SOAP')}"
        official.compare(label + " (our equations with the official float32 rounding of GG, Q)",
                         soap(lr, b1, b2, sb, eps, wd, freq, steps, float32_like_official=True), ref, name, 1e-10,
                         "a real difference in the update (the rounding is the same on both sides)")
        official.compare(label + " (float64 golden)", traj, ref, name, 1e-4,
                         "the golden's rank-1 first GG: its null-space eigenvectors are arbitrary and the "
                         "official float32 rounding picks another basis (see the docstring)", note_only=True)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "shampoo_beta": sb, "eps": eps, "weight_decay": wd,
                  "precondition_frequency": freq, "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "soap": cases}, indent=1))
