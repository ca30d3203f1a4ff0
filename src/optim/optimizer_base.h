// The base of every trainperf optimizer: torch::optim::Optimizer, keeping each parameter group's own
// options.
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

namespace trainperf {

// LibTorch 2.x's Optimizer::add_param_group merges a group's own options into the defaults only for
// its built-in optimizers (SGD, Adam, AdamW, Adagrad, RMSprop, LBFGS); for any other optimizer the
// group silently gets the defaults ("If no merging was done (custom optimizer), final_options
// already contains defaults", torch/csrc/api/src/optim/optimizer.cpp). 1.13 kept the group's
// options. Muon's AdamW group then became a Muon group, SAM's per-group rates the base rate.
// This constructor puts back the options each group was given.
class OptimizerBase : public torch::optim::Optimizer {
 protected:
  OptimizerBase(std::vector<torch::optim::OptimizerParamGroup> groups,
                std::unique_ptr<torch::optim::OptimizerOptions> defaults)
      : torch::optim::Optimizer(groups, std::move(defaults)) {
    for (size_t i = 0; i < groups.size(); ++i)
      if (groups[i].has_options()) param_groups_[i].set_options(groups[i].options().clone());
  }
};

}  // namespace trainperf
