#include "optim/dog.h"

#include <torch/optim/serialize.h>


namespace trainperf {

namespace {

// The DoG rule for one scope (all parameters, or one tensor): dist is ||x0|| on the first step
// (when G is still undefined), ||x_t - x0|| after it.
void advance_distance(torch::Tensor& rbar, torch::Tensor& grad_sum_sq, const torch::Tensor& dist,
                      const torch::Tensor& grad_sq, const DoGOptions& o) {
  if (!grad_sum_sq.defined()) {
    rbar = o.reps_rel() * (1.0 + dist);
    grad_sum_sq = grad_sq + o.eps();
  } else {
    rbar = torch::maximum(rbar, dist);
    grad_sum_sq = grad_sum_sq + grad_sq;
  }
}

}  // namespace

template <DoGScope Scope>
DoGType<Scope>::DoGType(std::vector<torch::optim::OptimizerParamGroup> groups, DoGOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<DoGOptions>(defaults)) {
  const char* name = Scope == DoGScope::all_parameters ? "DoG" : "LDoG";
  TORCH_CHECK(defaults.lr() >= 0, name, ": invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.reps_rel() > 0, name, ": reps_rel must be positive, got ", defaults.reps_rel());
  TORCH_CHECK(defaults.eps() > 0, name, ": eps must be positive, got ", defaults.eps());
}

template <DoGScope Scope>
DoGType<Scope>::DoGType(std::vector<torch::Tensor> params, DoGOptions defaults)
    : DoGType({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

template <DoGScope Scope>
torch::Tensor DoGType<Scope>::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = loss_of(closure);
  struct Active {
    torch::Tensor param, grad;
    DoGParamState* state;
    const DoGOptions* options;
  };
  std::vector<Active> active;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const DoGOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = state_of<DoGParamState>(p, [&](DoGParamState& fresh) { fresh.x0(p.detach().clone()); });
      s.step(s.step() + 1);
      torch::Tensor g = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      active.push_back({p, g, &s, &o});
    }
  }
  if (active.empty()) return loss;

  if constexpr (Scope == DoGScope::all_parameters) {
    const bool first = !grad_sum_sq_.defined();
    std::vector<torch::Tensor> grad_sq, dist_sq;
    for (const auto& a : active) {
      grad_sq.push_back(a.grad.pow(2).sum().to(torch::kDouble));
      dist_sq.push_back((first ? a.param.pow(2).sum() : (a.param - a.state->x0()).pow(2).sum()).to(torch::kDouble));
    }
    const auto& o0 = static_cast<const DoGOptions&>(param_groups_.front().options());
    advance_distance(rbar_, grad_sum_sq_, torch::stack(dist_sq).sum().sqrt(), torch::stack(grad_sq).sum(), o0);
    const torch::Tensor step_size = eta();
    for (auto& a : active) a.param.addcmul_(a.grad, step_size, -a.options->lr());
  } else {
    for (auto& a : active) {
      DoGParamState& s = *a.state;
      const torch::Tensor grad_sq = a.grad.pow(2).sum().to(torch::kDouble);
      const torch::Tensor dist =
          (s.grad_sum_sq().defined() ? (a.param - s.x0()).norm() : a.param.norm()).to(torch::kDouble);
      advance_distance(s.rbar(), s.grad_sum_sq(), dist, grad_sq, *a.options);
      a.param.addcmul_(a.grad, s.rbar() / s.grad_sum_sq().sqrt(), -a.options->lr());
    }
  }
  return loss;
}

template <DoGScope Scope>
void DoGType<Scope>::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<DoGParamState, DoGOptions>(archive, *this);
  if (grad_sum_sq_.defined()) {
    archive.write("dog/rbar", rbar_, /*is_buffer=*/true);
    archive.write("dog/G", grad_sum_sq_, /*is_buffer=*/true);
  }
}

template <DoGScope Scope>
void DoGType<Scope>::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<DoGParamState, DoGOptions>(archive, *this);
  torch::Tensor rbar, g;
  if (archive.try_read("dog/rbar", rbar, /*is_buffer=*/true) && archive.try_read("dog/G", g, /*is_buffer=*/true)) {
    rbar_ = rbar;
    grad_sum_sq_ = g;
  } else {
    rbar_ = grad_sum_sq_ = torch::Tensor();
  }
}

template class DoGType<DoGScope::all_parameters>;
template class DoGType<DoGScope::per_tensor>;

}  // namespace trainperf
