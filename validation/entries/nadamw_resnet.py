"""AlgoPerf self-tuning entry "nadamw_resnet", ported to PyTorch for trainperf (written by us, issue 20).

Original: mlcommons/submissions_algorithms, branch a100_scoring, commit ec137231ae404830c3e5e4491d17f40b63e0a1c4, submissions/self_tuning/nadamw_resnet/submission.py (JAX, optax).
HPARAMS are the original's, unchanged. The update, schedule and step are init2winit_nadamw.py's port
(its header says what was ported and what differs); checked against the original's own optax update
by test_ports.py with the golden trajectories of gen_nadamw_golden.py.
"""
from init2winit_nadamw import make_submission

HPARAMS = {
    'dropout_rate': 0.1,
    'learning_rate': 0.004126541534675243,
    'one_minus_beta1': 0.00780309833,
    'beta2': 0.9966054696718922,
    'weight_decay': 0.05371805022820654,
    'warmup_factor': 0.05,
}

globals().update(make_submission(HPARAMS))
