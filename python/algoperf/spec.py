"""The vocabulary of AlgoPerf's submission API (algoperf.spec), as submissions use it."""
import abc
import enum
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union


class LossType(enum.Enum):
  SOFTMAX_CROSS_ENTROPY = 0
  SIGMOID_CROSS_ENTROPY = 1
  MEAN_SQUARED_ERROR = 2
  CTC_LOSS = 3
  MEAN_ABSOLUTE_ERROR = 4


class ForwardPassMode(enum.Enum):
  TRAIN = 0
  EVAL = 1


class ParameterType(enum.Enum):
  WEIGHT = 0
  BIAS = 1
  CONV_WEIGHT = 2
  BATCH_NORM_SCALE = 3
  BATCH_NORM_BIAS = 4
  LAYER_NORM_SCALE = 5
  LAYER_NORM_BIAS = 6
  EMBEDDING = 7
  ATTENTION_Q = 8
  ATTENTION_K = 9
  ATTENTION_V = 10
  ATTENTION_OUT = 11
  ATTENTION_QKV = 12
  ATTENTION_KV = 13
  ATTENTION_BIAS = 14


class ShapeTuple:
  """A parameter's shape as AlgoPerf's param_shapes holds it."""

  def __init__(self, shape_tuple):
    self.shape_tuple = tuple(shape_tuple)

  def __repr__(self):
    return f'ShapeTuple({self.shape_tuple})'

  def __eq__(self, other):
    return isinstance(other, ShapeTuple) and self.shape_tuple == other.shape_tuple


# Type aliases submissions annotate with.
Tensor = Any
Shape = Union[Tuple[int], Tuple[int, int], Tuple[int, int, int], Tuple[int, int, int, int], ShapeTuple]
ParameterShapeTree = Dict[str, Dict[str, Shape]]
ParameterKey = str
ParameterContainer = Any
ParameterTypeTree = Dict[ParameterKey, Dict[ParameterKey, ParameterType]]
RandomState = Any
OptimizerState = Union[Dict[str, Any], Tuple[Any, Any]]
Hyperparameters = Any
Timing = int
Steps = int
ModelAuxiliaryState = Any
ModelInitState = Tuple[ParameterContainer, ModelAuxiliaryState]
UpdateReturn = Tuple[OptimizerState, ParameterContainer, ModelAuxiliaryState]
InitOptimizerFn = Callable[..., OptimizerState]
UpdateParamsFn = Callable[..., UpdateReturn]
PrepareForEvalFn = Callable[..., UpdateReturn]
DataSelectionFn = Callable[..., Dict[str, Tensor]]


class TrainingCompleteError(Exception):
  """Raised by a submission that has finished training (update_params may raise it)."""


class Workload(metaclass=abc.ABCMeta):
  """The base class submissions annotate with; trainperf's workloads are BridgeWorkload objects."""

  def __init__(self, *args, **kwargs) -> None:
    self.metrics_logger = None

  def attach_metrics_logger(self, metrics_logger) -> None:
    self.metrics_logger = metrics_logger
