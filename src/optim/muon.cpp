#include "optim/muon.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/adamw.h"
#include "optim/state_key.h"

namespace trainperf {

Muon::Muon(std::vector<torch::optim::OptimizerParamGroup> groups, MuonOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<MuonOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Muon: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.momentum() >= 0 && defaults.momentum() < 1, "Muon: invalid momentum ", defaults.momentum());
  TORCH_CHECK(defaults.weight_decay() >= 0, "Muon: invalid weight decay ", defaults.weight_decay());
  for (const auto& group : param_groups_)
    if (static_cast<const MuonOptions&>(group.options()).use_muon())
      for (const auto& p : group.params())
        TORCH_CHECK(p.dim() >= 2, "Muon: a use_muon group holds a ", p.dim(), "-D tensor; put it in an AdamW group");
}

Muon::Muon(std::vector<torch::Tensor> params, MuonOptions defaults)
    : Muon({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor newton_schulz5(const torch::Tensor& g, int64_t steps) {
  constexpr double a = 3.4445, b = -4.7750, c = 2.0315;
  const bool tall = g.size(0) > g.size(1);
  torch::Tensor x = tall ? g.t() : g;
  x = x / (x.norm() + 1e-7);
  for (int64_t i = 0; i < steps; ++i) {
    const torch::Tensor A = x.mm(x.t());
    const torch::Tensor B = A.mul(b).add_(A.mm(A), c);
    x = x.mul(a).add_(B.mm(x));
  }
  return tall ? x.t() : x;
}

torch::Tensor Muon::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const MuonOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<MuonParamState>();
        const auto empty = torch::empty({0}, p.options());
        const auto zeros = [&] { return torch::zeros_like(p, torch::MemoryFormat::Preserve); };
        s->momentum_buffer(o.use_muon() ? zeros() : empty);
        s->exp_avg(o.use_muon() ? empty : zeros());
        s->exp_avg_sq(o.use_muon() ? empty : zeros());
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<MuonParamState&>(*it->second);
      s.step(s.step() + 1);
      if (!o.use_muon()) {
        adamw_update(p, g, s.exp_avg(), s.exp_avg_sq(), s.step(), o.lr(), o.adamw_beta1(), o.adamw_beta2(),
                     o.adamw_eps(), o.weight_decay());
        continue;
      }
      const double mu = o.momentum();
      torch::Tensor& buf = s.momentum_buffer();
      buf.mul_(mu).add_(g, 1.0 - mu);
      torch::Tensor update = o.nesterov() ? buf.mul(mu).add_(g, 1.0 - mu) : buf;
      const torch::Tensor matrix = update.reshape({update.size(0), -1});
      const double aspect = std::max(1.0, static_cast<double>(matrix.size(0)) / static_cast<double>(matrix.size(1)));
      const torch::Tensor orthogonal = newton_schulz5(matrix, o.ns_steps());
      if (o.weight_decay() != 0) p.mul_(1.0 - o.lr() * o.weight_decay());
      p.add_(orthogonal.reshape_as(p), -o.lr() * std::sqrt(aspect));
    }
  }
  return loss;
}

void Muon::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<MuonParamState, MuonOptions>(archive, *this);
}

void Muon::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<MuonParamState, MuonOptions>(archive, *this);
}

}  // namespace trainperf
