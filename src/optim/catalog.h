// Every optimizer in src/optim, once: the table bench/optim_step times and the tests iterate (each
// entry has a golden trajectory, survives a checkpoint, and no optimizer header is left out), so a
// new optimizer is covered by adding one entry here.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {

struct OptimizerEntry {
  std::string name;    // as bench/optim_step prints it
  std::string header;  // src/optim/<header>
  std::string golden;  // tests/golden/optim/<golden>.json holds its reference trajectories
  // The optimizer over `params` with representative settings (bench/optim_step's).
  std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)> make;
  bool needs_closure = false;  // step() must be given the loss closure (SAM)
};

const std::vector<OptimizerEntry>& optimizer_catalog();

}  // namespace trainperf
