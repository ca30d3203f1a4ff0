#!/usr/bin/env python3
"""Golden trajectories for trainperf's SAM wrapping AdamW, written from the equations (Foret et al.
2021): e = rho g / (||g|| + 1e-12) over all parameters, g' = gradient at x + e, x restored, AdamW step
with g'. The AdamW step is torch.optim.AdamW (itself checked in gen_adamw.py), and the result is
cross-checked against a hand-written AdamW.

Cross-checked (official.py) against AlgoPerf's PyTorch SAM class
(algorithms/archived_paper_baselines/sam/pytorch/submission.py, from $TRAINPERF_ALGOPERF, base
torch.optim.AdamW; its e has no +1e-12 under the norm) and pytorch_optimizer.SAM (a port of
davda54/sam; it takes the gradient norm in float32, so tolerance 1e-9 there), first_step /
second_step, float64, tolerance 1e-12.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_sam.py > tests/golden/optim/sam.json
"""
import json

import torch

import official
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


def official_sam(make, steps):
    w, b = problem.W0.clone().requires_grad_(), problem.B0.clone().requires_grad_()
    opt = make([w, b])
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        problem.loss_fn(w, b).backward()
        opt.first_step(zero_grad=True)
        problem.loss_fn(w, b).backward()
        opt.second_step(zero_grad=True)
        traj.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return traj


REL = "algorithms/archived_paper_baselines/sam/pytorch/submission.py"
algoperf_sam = official.algoperf_definitions(REL, ["SAM"], "sam (AlgoPerf PyTorch)")

cases = []
for rho, lr, b1, b2, eps, wd in [(0.05, 0.01, 0.9, 0.999, 1e-8, 0.1), (0.5, 0.003, 0.8, 0.99, 1e-8, 0.0)]:
    traj = sam(rho, lr, b1, b2, eps, wd, 10)
    label = f"sam case {len(cases)}"
    official.compare(label, traj, sam(rho, lr, b1, b2, eps, wd, 10, base="manual"), "a hand-written AdamW base",
                     1e-12, "torch.optim.AdamW vs the AdamW equations")
    kw = dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    if algoperf_sam:
        official.compare(label, traj, official_sam(
            lambda ps: algoperf_sam[0](ps, base_optimizer=torch.optim.AdamW, rho=rho, **kw), 10),
            f"AlgoPerf {REL} SAM{official.checkout_commit()} + torch.optim.AdamW", 1e-12,
            "AlgoPerf's SAM: e = rho g / ||g|| over all parameters (no +1e-12), gradient at x + e, x restored")
    try:
        import pytorch_optimizer
        official.compare(label, traj, official_sam(
            lambda ps: pytorch_optimizer.SAM(ps, base_optimizer=torch.optim.AdamW, rho=rho, **kw), 10),
            f"pytorch_optimizer.SAM ({official.version('pytorch_optimizer')}) + torch.optim.AdamW", 1e-9,
            "pytorch_optimizer.SAM: e = rho g / (||g|| + 1e-12) with ||g|| computed in float32 "
            "(utils.get_global_gradient_norm), hence the float32-level tolerance 1e-9 on the trajectory")
    except ImportError as exc:
        official.unavailable(label, "pytorch_optimizer.SAM", exc)
    cases.append({"rho": rho, "lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd,
                  "trajectory": traj})

official.emit(json.dumps({**problem.problem(), "sam": cases}, indent=1))
