#include "optim/dog.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

DoG::DoG(std::vector<torch::optim::OptimizerParamGroup> groups, DoGOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<DoGOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "DoG: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.reps_rel() > 0, "DoG: reps_rel must be positive, got ", defaults.reps_rel());
  TORCH_CHECK(defaults.eps() > 0, "DoG: eps must be positive, got ", defaults.eps());
}

DoG::DoG(std::vector<torch::Tensor> params, DoGOptions defaults)
    : DoG({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor DoG::eta() const { return grad_sum_sq_.defined() ? rbar_ / grad_sum_sq_.sqrt() : torch::Tensor(); }

torch::Tensor DoG::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const bool first = !grad_sum_sq_.defined();
  struct Update {
    torch::Tensor param, grad;
    double lr;
  };
  std::vector<Update> updates;
  std::vector<torch::Tensor> grad_sq, dist_sq;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const DoGOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<DoGParamState>();
        s->x0(p.detach().clone());
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<DoGParamState&>(*it->second);
      s.step(s.step() + 1);
      torch::Tensor g = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      grad_sq.push_back(g.pow(2).sum().to(torch::kDouble));
      // First step: ||x0|| sets the initial movement; later: the distance travelled from x0.
      dist_sq.push_back((first ? p.pow(2).sum() : (p - s.x0()).pow(2).sum()).to(torch::kDouble));
      updates.push_back({p, g, o.lr()});
    }
  }
  if (updates.empty()) return loss;

  const auto& o0 = static_cast<const DoGOptions&>(param_groups_.front().options());
  const torch::Tensor dist = torch::stack(dist_sq).sum().sqrt();
  const torch::Tensor gsq = torch::stack(grad_sq).sum();
  if (first) {
    rbar_ = o0.reps_rel() * (1.0 + dist);
    grad_sum_sq_ = gsq + o0.eps();
  } else {
    rbar_ = torch::maximum(rbar_, dist);
    grad_sum_sq_ = grad_sum_sq_ + gsq;
  }
  const torch::Tensor step_size = eta();
  for (auto& u : updates) u.param.addcmul_(u.grad, step_size, -u.lr);
  return loss;
}

void DoG::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<DoGParamState, DoGOptions>(archive, *this);
  if (grad_sum_sq_.defined()) {
    archive.write("dog/rbar", rbar_, /*is_buffer=*/true);
    archive.write("dog/G", grad_sum_sq_, /*is_buffer=*/true);
  }
}

void DoG::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<DoGParamState, DoGOptions>(archive, *this);
  torch::Tensor rbar, g;
  if (archive.try_read("dog/rbar", rbar, /*is_buffer=*/true) && archive.try_read("dog/G", g, /*is_buffer=*/true)) {
    rbar_ = rbar;
    grad_sum_sq_ = g;
  } else {
    rbar_ = grad_sum_sq_ = torch::Tensor();
  }
}

}  // namespace trainperf
