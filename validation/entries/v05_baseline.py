"""AlgoPerf self-tuning entry "baseline (v0.5 self-tuning leaderboard)", ported to PyTorch for trainperf (written by us, issue 20).

Original: mlcommons/submissions_algorithms, branch main, commit 12c8e4ea93dc41a1ff6abc3debba9accd8ac1e3a, previous_leaderboards/algoperf_v05/submissions/self_tuning/baseline/submission.py (JAX, optax).
HPARAMS are the original's, unchanged. The update, schedule and step are init2winit_nadamw.py's port
(its header says what was ported and what differs); checked against the original's own optax update
by test_ports.py with the golden trajectories of gen_nadamw_golden.py.
"""
from init2winit_nadamw import make_submission

HPARAMS = {
    'dropout_rate': 0.1,
    'learning_rate': 0.0017486387539278373,
    'one_minus_beta1': 0.06733926164,
    'beta2': 0.9955159689799007,
    'weight_decay': 0.08121616522670176,
    'warmup_factor': 0.02,
}

globals().update(make_submission(HPARAMS))
