"""AlgoPerf self-tuning entry "nadamw", ported to PyTorch for trainperf (written by us, issue 20).

Original: mlcommons/submissions_algorithms, branch a100_scoring, commit ec137231ae404830c3e5e4491d17f40b63e0a1c4, submissions/self_tuning/nadamw/submission.py (JAX, optax).
HPARAMS are the original's, unchanged. The update, schedule and step are init2winit_nadamw.py's port
(its header says what was ported and what differs); checked against the original's own optax update
by test_ports.py with the golden trajectories of gen_nadamw_golden.py.
"""
from init2winit_nadamw import make_submission

HPARAMS = {
    'dropout_rate': 0.0,
    'learning_rate': 0.00190834618600756,
    'one_minus_beta1': 0.09090652249,
    'beta2': 0.998898321921855,
    'weight_decay': 0.08121616522670176,
    'warmup_factor': 0.1,
}

globals().update(make_submission(HPARAMS))
