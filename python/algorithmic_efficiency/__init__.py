"""AlgoPerf v0.5's package name: every `algorithmic_efficiency.X` is the module `algoperf.X` itself
(one module object under both names, so both forms see the same enums)."""
import importlib
import importlib.abc
import importlib.util
import sys

import algoperf

_PREFIX = __name__ + '.'


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):

  def find_spec(self, fullname, path=None, target=None):
    if fullname.startswith(_PREFIX):
      return importlib.util.spec_from_loader(fullname, self)
    return None

  def create_module(self, spec):
    return importlib.import_module('algoperf.' + spec.name[len(_PREFIX):])

  def exec_module(self, module):
    pass


if not any(isinstance(f, _Alias) for f in sys.meta_path):
  sys.meta_path.insert(0, _Alias())

__version__ = algoperf.__version__
