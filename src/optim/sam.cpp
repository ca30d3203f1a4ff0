#include "optim/sam.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

namespace {
std::vector<torch::optim::OptimizerParamGroup> mirror_groups(const torch::optim::Optimizer& base,
                                                             const SAMOptions& defaults) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const auto& g : base.param_groups())
    groups.emplace_back(g.params(), std::make_unique<SAMOptions>(SAMOptions(defaults).lr(g.options().get_lr())));
  return groups;
}
}  // namespace

SAM::SAM(std::unique_ptr<torch::optim::Optimizer> base, SAMOptions defaults)
    : OptimizerBase(mirror_groups(*base, defaults), std::make_unique<SAMOptions>(defaults)), base_(std::move(base)) {
  TORCH_CHECK(defaults.rho() >= 0, "SAM: invalid rho ", defaults.rho());
}

void SAM::perturb() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> squares;
  for (const auto& group : param_groups_)
    for (const auto& p : group.params())
      if (p.grad().defined()) squares.push_back(p.grad().square().sum());
  if (squares.empty()) return;
  const torch::Tensor grad_norm = torch::stack(squares).sum().sqrt();
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const SAMOptions&>(group.options());
    const torch::Tensor scale = o.rho() / (grad_norm + 1e-12);
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<SAMParamState>();
        s->perturbation(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      torch::Tensor& e = static_cast<SAMParamState&>(*it->second).perturbation();
      e.copy_(p.grad() * scale.to(p.scalar_type()));
      p.add_(e);
    }
  }
}

void SAM::restore_and_step() {
  {
    torch::NoGradGuard no_grad;
    for (auto& group : param_groups_)
      for (auto& p : group.params()) {
        auto it = state_.find(state_key(p));
        if (it == state_.end()) continue;
        torch::Tensor& e = static_cast<SAMParamState&>(*it->second).perturbation();
        p.sub_(e);
        e.zero_();
      }
  }
  auto& base_groups = base_->param_groups();
  for (size_t i = 0; i < param_groups_.size(); ++i)
    base_groups[i].options().set_lr(param_groups_[i].options().get_lr());
  base_->step();
}

torch::Tensor SAM::step(LossClosure closure) {
  TORCH_CHECK(closure, "SAM::step needs a closure that recomputes the loss and gradients");
  perturb();
  zero_grad();
  torch::Tensor loss;
  {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  restore_and_step();
  return loss;
}

void SAM::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<SAMParamState, SAMOptions>(archive, *this);
  torch::serialize::OutputArchive base_archive;
  base_->save(base_archive);
  archive.write("base", base_archive);
}

void SAM::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<SAMParamState, SAMOptions>(archive, *this);
  torch::serialize::InputArchive base_archive;
  archive.read("base", base_archive);
  base_->load(base_archive);
}

}  // namespace trainperf
