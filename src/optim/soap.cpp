#include "optim/soap.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

namespace {

bool has(const torch::Tensor& t) { return t.numel() > 0; }

c10::ScalarType decomposition_dtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
}

// x x_1 Q_1 x_2 Q_2 ... (contract each dim with its basis, or rotate it past when it has none).
torch::Tensor project(torch::Tensor x, const std::vector<torch::Tensor>& q, bool back) {
  for (const auto& qi : q) {
    if (has(qi)) {
      x = torch::tensordot(x, qi, {0}, {back ? 1 : 0});
    } else {
      std::vector<int64_t> order;
      for (int64_t d = 1; d < x.dim(); ++d) order.push_back(d);
      order.push_back(0);
      x = x.permute(order);
    }
  }
  return x;
}

// Eigenvectors of GG + 1e-30 I, largest eigenvalue first.
torch::Tensor eigenbasis(const torch::Tensor& gg) {
  const auto dtype = decomposition_dtype(gg);
  const torch::Tensor m = gg.to(dtype) + 1e-30 * torch::eye(gg.size(0), gg.options().dtype(dtype));
  return std::get<1>(torch::linalg_eigh(m, "L")).flip({1}).to(gg.scalar_type());
}
}  // namespace

SOAP::SOAP(std::vector<torch::optim::OptimizerParamGroup> groups, SOAPOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<SOAPOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "SOAP: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "SOAP: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "SOAP: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "SOAP: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.weight_decay() >= 0, "SOAP: invalid weight decay ", defaults.weight_decay());
  TORCH_CHECK(defaults.precondition_frequency() > 0, "SOAP: invalid precondition_frequency");
}

SOAP::SOAP(std::vector<torch::Tensor> params, SOAPOptions defaults)
    : SOAP({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor SOAP::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const SOAPOptions&>(group.options());
    const double shampoo_beta = o.shampoo_beta() >= 0 ? o.shampoo_beta() : o.beta2();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      const auto update_factors = [&](std::vector<torch::Tensor>& gg) {
        for (int64_t d = 0; d < g.dim(); ++d) {
          if (!has(gg[d])) continue;
          std::vector<int64_t> others;
          for (int64_t e = 0; e < g.dim(); ++e)
            if (e != d) others.push_back(e);
          gg[d].mul_(shampoo_beta).add_(torch::tensordot(g, g, others, others), 1.0 - shampoo_beta);
        }
      };
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {  // first step: factors and bases only
        auto s = std::make_unique<SOAPParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        const bool precondition = g.dim() >= 2 || (g.dim() == 1 && o.precondition_1d());
        for (int64_t d = 0; d < g.dim(); ++d) {
          const int64_t n = g.size(d);
          s->gg().push_back(precondition && n <= o.max_precond_dim() ? torch::zeros({n, n}, p.options())
                                                                     : torch::empty({0}, p.options()));
        }
        update_factors(s->gg());
        for (const auto& f : s->gg()) s->q().push_back(has(f) ? eigenbasis(f) : f);
        state_.insert({state_key(p), std::move(s)});
        continue;
      }
      auto& s = static_cast<SOAPParamState&>(*it->second);
      s.step(s.step() + 1);
      const double b1 = o.beta1(), b2 = o.beta2(), t = static_cast<double>(s.step());
      const torch::Tensor projected = project(g, s.q(), /*back=*/false);
      s.exp_avg().mul_(b1).add_(projected, 1.0 - b1);
      s.exp_avg_sq().mul_(b2).addcmul_(projected, projected, 1.0 - b2);
      const torch::Tensor adam = s.exp_avg() / s.exp_avg_sq().sqrt().add_(o.eps());
      const double step_size = o.lr() * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));
      p.add_(project(adam, s.q(), /*back=*/true), -step_size);
      if (o.weight_decay() > 0) p.mul_(1.0 - o.lr() * o.weight_decay());

      update_factors(s.gg());
      auto& gg = s.gg();
      if (s.step() % o.precondition_frequency() == 0) {
        const torch::Tensor exp_avg = project(s.exp_avg(), s.q(), /*back=*/true);
        for (int64_t d = 0; d < g.dim(); ++d) {
          if (!has(gg[d])) continue;
          const auto dtype = decomposition_dtype(gg[d]);
          const torch::Tensor m = gg[d].to(dtype), q_old = s.q()[d].to(dtype);
          const torch::Tensor order =
              torch::argsort(q_old.t().mm(m).mm(q_old).diagonal(), /*dim=*/0, /*descending=*/true);
          s.exp_avg_sq(s.exp_avg_sq().index_select(d, order));
          s.q()[d] =
              std::get<0>(torch::linalg_qr(m.mm(q_old.index_select(1, order)), "reduced")).to(gg[d].scalar_type());
        }
        s.exp_avg(project(exp_avg, s.q(), /*back=*/false).contiguous());
      }
    }
  }
  return loss;
}

void SOAP::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<SOAPParamState, SOAPOptions>(archive, *this);
}

void SOAP::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<SOAPParamState, SOAPOptions>(archive, *this);
}

}  // namespace trainperf
