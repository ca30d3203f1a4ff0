// The D-Adaptation family (Defazio & Mishchenko 2023, "Learning-Rate-Free Learning by D-Adaptation";
// Mishchenko & Defazio 2024, Prodigy), written once; a variant (dadapt_adam.h, dadapt_sgd.h,
// prodigy.h) is an update policy, as in ensmallen's AdamType<UpdateRule>. Every variant steps with
// a global estimate d of the distance to the solution, which never decreases:
//   1. per tensor, the policy advances its moments and returns a numerator and a denominator term;
//   2. the sums come to the host together (the one host synchronisation of the step);
//   3. a zero denominator (every gradient so far was 0, d^ would be 0/0) skips the step: d, the
//      numerator, k and the parameters are untouched;
//   4. the policy folds the numerator sum into its running numerator and, when lr > 0, gives the
//      new d from d^ = numerator / denominator (its own scaling), limited by growth_rate;
//   5. per tensor, the policy moves the parameter.
// Options of every variant have lr, d0 and growth_rate; d is read from the first group's options.
#pragma once

#include <torch/optim/serialize.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "optim/optimizer_base.h"

namespace trainperf {

struct DAdaptParamState : public SerializedParamState<DAdaptParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, s);
  TORCH_ARG(torch::Tensor, x0);          // SGD's and Prodigy's
  TORCH_ARG(torch::Tensor, exp_avg);     // Adam's and Prodigy's
  TORCH_ARG(torch::Tensor, exp_avg_sq);  // Adam's and Prodigy's

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("s", s_), f("x0", if_defined(x0_)), f("exp_avg", if_defined(exp_avg_)),
    f("exp_avg_sq", if_defined(exp_avg_sq_));
  }
};

// A parameter taking part in a step: its gradient (with coupled weight decay where the variant
// couples it), its state and its group's options.
template <class Options>
struct DAdaptParam {
  torch::Tensor param, grad;
  DAdaptParamState* state;
  const Options* options;
};

// The common d rule of D-Adaptation Adam and SGD: d <- max(d, min(d^, d growth_rate)).
inline double growth_limited(double d, double d_hat, double growth_rate) {
  return std::max(d, std::min(d_hat, d * growth_rate));
}

// D-Adaptation Adam and Prodigy: weight decay is decoupled (applied with the step, scaled by dlr)
// unless decouple = false, which adds wd x to the gradient (the reference's default); Adam's bias
// correction bc = sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)) scales dlr when asked for.
template <class Options>
torch::Tensor adam_like_gradient(const torch::Tensor& p, const Options& o) {
  return (o.weight_decay() != 0 && !o.decouple()) ? p.grad().add(p, o.weight_decay()) : p.grad();
}
template <class Options>
void adam_like_decay(torch::Tensor& p, const Options& o, double dlr) {
  if (o.weight_decay() != 0 && o.decouple()) p.mul_(1.0 - o.weight_decay() * dlr);
}
template <class Options>
double adam_like_bias_correction(const Options& o, int64_t k) {
  const double k1 = static_cast<double>(k + 1);
  return o.use_bias_correction() ? std::sqrt(1.0 - std::pow(o.beta2(), k1)) / (1.0 - std::pow(o.beta1(), k1)) : 1.0;
}

// Update supplies: Options, name, archive_prefix, check(options), a constructor from the first
// group's options, init(state, p), gradient(p, options), fields(f) (its running scalars),
// begin(o0, d, k, params) -> Step, accumulate(step, param) -> {numerator, denominator} terms,
// also_read(step) (a device scalar to bring back with the sums, or undefined),
// fold(step, numerator_sum, also_read value), next_d(step, o0, d, denominator), apply(step, param, d).
template <class Update>
class DAdaptation : public OptimizerBase {
 public:
  using Options = typename Update::Options;

  DAdaptation(std::vector<torch::optim::OptimizerParamGroup> groups, Options defaults = {})
      : OptimizerBase(std::move(groups), std::make_unique<Options>(defaults)),
        update_(first_options()),
        d_(first_options().d0()) {
    TORCH_CHECK(defaults.lr() >= 0, Update::name, ": invalid learning rate ", defaults.lr());
    Update::check(defaults);
    TORCH_CHECK(defaults.d0() > 0, Update::name, ": d0 must be positive, got ", defaults.d0());
    TORCH_CHECK(defaults.growth_rate() >= 1, Update::name, ": growth_rate must be >= 1, got ",
                defaults.growth_rate());
  }
  DAdaptation(std::vector<torch::Tensor> params, Options defaults = {})
      : DAdaptation({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  double d() const { return d_; }
  int64_t steps_taken() const { return k_; }  // steps not skipped

 private:
  const Options& first_options() const { return static_cast<const Options&>(param_groups_.front().options()); }
  // The optimizer's own scalars, saved as "<archive_prefix><name>".
  template <class F>
  void scalars(F&& f) {
    f("d", d_);
    update_.fields(f);
    f("k", k_);
  }

  Update update_;
  double d_;
  int64_t k_ = 0;
};

template <class Update>
torch::Tensor DAdaptation<Update>::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = loss_of(closure);
  const Options& o0 = first_options();
  std::vector<DAdaptParam<Options>> params;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = state_of<DAdaptParamState>(p, [&](DAdaptParamState& fresh) {
        fresh.s(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        Update::init(fresh, p);
      });
      params.push_back({p, Update::gradient(p, o), &s, &o});
    }
  }
  if (params.empty()) return loss;

  const auto step = update_.begin(o0, d_, k_, params);
  std::vector<torch::Tensor> numerators, denominators;
  for (const auto& t : params) {
    auto [numerator, denominator] = update_.accumulate(step, t);
    numerators.push_back(std::move(numerator));
    denominators.push_back(std::move(denominator));
  }
  std::vector<torch::Tensor> sums = {torch::stack(numerators).sum(), torch::stack(denominators).sum()};
  const torch::Tensor also_read = update_.also_read(step);
  if (also_read.defined()) sums.push_back(also_read);
  // The one host synchronisation of the step.
  const torch::Tensor host = torch::stack(sums).cpu();
  const double numerator = host[0].item<double>(), denominator = host[1].item<double>();
  if (denominator == 0) return loss;

  update_.fold(step, numerator, also_read.defined() ? host[2].item<double>() : 0.0);
  if (o0.lr() > 0) d_ = update_.next_d(step, o0, d_, denominator);
  for (auto& t : params) {
    t.state->step(t.state->step() + 1);
    update_.apply(step, t, d_);
  }
  ++k_;
  return loss;
}

template <class Update>
void DAdaptation<Update>::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<DAdaptParamState, Options>(archive, *this);
  // scalars() hands out references; writing reads them only.
  const_cast<DAdaptation&>(*this).scalars([&](const char* name, const auto& value) {
    serialized_fields::write(archive, std::string(Update::archive_prefix) + name, value);
  });
}

template <class Update>
void DAdaptation<Update>::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<DAdaptParamState, Options>(archive, *this);
  scalars([&](const char* name, auto& value) {
    serialized_fields::read(archive, std::string(Update::archive_prefix) + name, value);
  });
}

}  // namespace trainperf
