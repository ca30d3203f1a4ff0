"""trainperf's stand-in for AlgoPerf's `algoperf` package (PyTorch submissions only).

Written for trainperf from AlgoPerf's public submission API: the names submissions import
(`spec`, `pytorch_utils.pytorch_setup`, `random_utils`), not AlgoPerf's code. The workload object a
submission receives is trainperf's (trainperf_bridge.BridgeWorkload), whose model and data are C++.
"""
__version__ = '0.6.0+trainperf'
