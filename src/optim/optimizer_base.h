// The base of every trainperf optimizer: torch::optim::Optimizer, keeping each parameter group's own
// options.
#pragma once

#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "optim/state_key.h"
#include "optim/tensor_list_archive.h"

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

  // The loss of the closure, computed with gradients on inside step()'s NoGradGuard; undefined
  // without a closure.
  static torch::Tensor loss_of(const LossClosure& closure) {
    if (!closure) return {};
    at::AutoGradMode enable_grad(true);
    return closure();
  }

  // The state of p, made by init(state) on p's first step.
  template <class State, class Init>
  State& state_of(const torch::Tensor& p, Init&& init) {
    auto it = state_.find(state_key(p));
    if (it == state_.end()) {
      auto s = std::make_unique<State>();
      init(*s);
      it = state_.insert({state_key(p), std::move(s)}).first;
    }
    return static_cast<State&>(*it->second);
  }
};

// Option and state serialization as a field list, as LibTorch's own serialize macros do: a struct
// derives from SerializedOptions<Self> (or SerializedParamState<Self>) and lists its TORCH_ARG
// fields once, `template <class F> void fields(F&& f) { f("lr", lr_), f("beta1", beta1_); }`.
// Numbers and flags are written as values, tensors as buffers, tensor lists as "<name>_count" and
// "<name>_<i>" entries, in the listed order. Two wrappers cover what is not always there:
// if_defined(t) for a tensor only some variants of a family keep (written when defined, left
// undefined when the archive lacks it), or_none(opt, stand_in) for an optional number written as a
// stand-in value that is never a valid one (Prodigy's beta3: -1, the format its checkpoints have).
namespace serialized_fields {

struct IfDefined {
  torch::Tensor& value;
};

template <class T>
struct OrNone {
  std::optional<T>& value;
  T stand_in;
};

inline void write(torch::serialize::OutputArchive& archive, const std::string& name, const torch::Tensor& value) {
  archive.write(name, value, /*is_buffer=*/true);
}
inline void write(torch::serialize::OutputArchive& archive, const std::string& name,
                  const std::vector<torch::Tensor>& list) {
  write_tensor_list(archive, name, list);
}
inline void write(torch::serialize::OutputArchive& archive, const std::string& name, const IfDefined& field) {
  if (field.value.defined()) write(archive, name, field.value);
}
template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
void write(torch::serialize::OutputArchive& archive, const std::string& name, const T& value) {
  archive.write(name, c10::IValue(value));
}
template <class T>
void write(torch::serialize::OutputArchive& archive, const std::string& name, const OrNone<T>& field) {
  write(archive, name, field.value.value_or(field.stand_in));
}

inline void read(torch::serialize::InputArchive& archive, const std::string& name, torch::Tensor& value) {
  archive.read(name, value, /*is_buffer=*/true);
}
inline void read(torch::serialize::InputArchive& archive, const std::string& name, std::vector<torch::Tensor>& list) {
  list = read_tensor_list(archive, name);
}
inline void read(torch::serialize::InputArchive& archive, const std::string& name, IfDefined field) {
  torch::Tensor value;
  field.value = archive.try_read(name, value, /*is_buffer=*/true) ? value : torch::Tensor();
}
template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
void read(torch::serialize::InputArchive& archive, const std::string& name, T& value) {
  c10::IValue v;
  archive.read(name, v);
  if constexpr (std::is_same_v<T, bool>) value = v.toBool();
  else if constexpr (std::is_integral_v<T>) value = static_cast<T>(v.toInt());
  else value = v.toDouble();
}
template <class T>
void read(torch::serialize::InputArchive& archive, const std::string& name, OrNone<T> field) {
  T value{};
  read(archive, name, value);
  field.value = value == field.stand_in ? std::nullopt : std::optional<T>(value);
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
    static_cast<Self&>(*this).fields([&](const char* name, auto&& value) { read(archive, name, value); });
  }
};

}  // namespace serialized_fields

inline serialized_fields::IfDefined if_defined(torch::Tensor& value) { return {value}; }
template <class T>
serialized_fields::OrNone<T> or_none(std::optional<T>& value, T stand_in) {
  return {value, stand_in};
}

template <class Self>
using SerializedOptions = serialized_fields::Mixin<Self, torch::optim::OptimizerCloneableOptions<Self>>;
template <class Self>
using SerializedParamState = serialized_fields::Mixin<Self, torch::optim::OptimizerCloneableParamState<Self>>;

}  // namespace trainperf
