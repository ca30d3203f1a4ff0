// The base of every trainperf optimizer: torch::optim::Optimizer, keeping each parameter group's own
// options.
#pragma once

#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>

#include <memory>
#include <type_traits>
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

// Option and state serialization as a field list, as LibTorch's own serialize macros do: a struct
// derives from SerializedOptions<Self> (or SerializedParamState<Self>) and lists its TORCH_ARG
// fields once, `template <class F> void fields(F&& f) { f("lr", lr_), f("beta1", beta1_); }`.
// Numbers and flags are written as values, tensors as buffers, in the listed order.
namespace serialized_fields {

template <class T>
void write(torch::serialize::OutputArchive& archive, const char* name, const T& value) {
  if constexpr (std::is_same_v<T, torch::Tensor>) {
    archive.write(name, value, /*is_buffer=*/true);
  } else {
    archive.write(name, c10::IValue(value));
  }
}

template <class T>
void read(torch::serialize::InputArchive& archive, const char* name, T& value) {
  if constexpr (std::is_same_v<T, torch::Tensor>) {
    archive.read(name, value, /*is_buffer=*/true);
  } else {
    c10::IValue v;
    archive.read(name, v);
    if constexpr (std::is_same_v<T, bool>) value = v.toBool();
    else if constexpr (std::is_integral_v<T>) value = static_cast<T>(v.toInt());
    else value = v.toDouble();
  }
}

template <class Self, class Base>
struct Mixin : public Base {
  void serialize(torch::serialize::OutputArchive& archive) const override {
    // fields() hands out references; writing reads them only.
    const_cast<Self&>(static_cast<const Self&>(*this)).fields([&](const char* name, const auto& value) {
      write(archive, name, value);
    });
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    static_cast<Self&>(*this).fields([&](const char* name, auto& value) { read(archive, name, value); });
  }
};

}  // namespace serialized_fields

template <class Self>
using SerializedOptions = serialized_fields::Mixin<Self, torch::optim::OptimizerCloneableOptions<Self>>;
template <class Self>
using SerializedParamState = serialized_fields::Mixin<Self, torch::optim::OptimizerCloneableParamState<Self>>;

}  // namespace trainperf
