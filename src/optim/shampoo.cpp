#include "optim/shampoo.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

ShampooLayout shampoo_layout(torch::IntArrayRef shape, int64_t max_dim) {
  ShampooLayout layout;
  std::vector<int64_t> squeezed;
  for (int64_t d : shape)
    if (d != 1) squeezed.push_back(d);
  if (squeezed.empty()) squeezed.push_back(1);
  layout.merged_shape.push_back(squeezed[0]);
  for (size_t i = 1; i < squeezed.size(); ++i) {
    if (layout.merged_shape.back() * squeezed[i] <= max_dim)
      layout.merged_shape.back() *= squeezed[i];
    else
      layout.merged_shape.push_back(squeezed[i]);
  }
  // Cartesian product of the chunks of every dim, last dim fastest.
  const size_t k = layout.merged_shape.size();
  std::vector<int64_t> chunks(k), index(k, 0);
  for (size_t i = 0; i < k; ++i) chunks[i] = (layout.merged_shape[i] + max_dim - 1) / max_dim;
  while (true) {
    ShampooLayout::Block block;
    for (size_t i = 0; i < k; ++i) {
      block.start.push_back(index[i] * max_dim);
      block.size.push_back(std::min(max_dim, layout.merged_shape[i] - index[i] * max_dim));
    }
    layout.blocks.push_back(std::move(block));
    size_t i = k;
    while (i > 0 && ++index[i - 1] == chunks[i - 1]) index[--i] = 0;
    if (i == 0) break;
  }
  return layout;
}

namespace {

torch::Tensor block_of(const torch::Tensor& merged, const ShampooLayout::Block& block) {
  torch::Tensor b = merged;
  for (size_t i = 0; i < block.start.size(); ++i) b = b.narrow(static_cast<int64_t>(i), block.start[i], block.size[i]);
  return b;
}

// G_(i) G_(i)^T: the contraction of g with itself over every dim but i.
torch::Tensor mode_gram(const torch::Tensor& g, int64_t mode) {
  if (g.dim() == 2) return mode == 0 ? g.mm(g.t()) : g.t().mm(g);
  std::vector<int64_t> others;
  for (int64_t d = 0; d < g.dim(); ++d)
    if (d != mode) others.push_back(d);
  return torch::tensordot(g, g, others, others);
}

// f x_1 R_1 ... x_k R_k (the roots are symmetric).
torch::Tensor precondition(const torch::Tensor& f, const torch::Tensor* roots) {
  if (f.dim() == 2) return roots[0].mm(f).mm(roots[1]);
  torch::Tensor p = f;
  for (int64_t i = 0; i < f.dim(); ++i) p = torch::tensordot(p, roots[i], {0}, {0});
  return p;
}

// Q diag((lambda - min(lambda_min, 0) + eps)^(-1/(2 order))) Q^T in `dtype`; undefined on failure.
torch::Tensor try_inverse_root(const torch::Tensor& factor_hat, c10::ScalarType dtype, int64_t order, double eps) {
  const torch::Tensor a = factor_hat.to(dtype);
  if (!torch::isfinite(a).all().item<bool>()) return {};
  try {
    auto [eigenvalues, eigenvectors] = torch::linalg_eigh(a, "L");
    eigenvalues = eigenvalues - eigenvalues.min().clamp_max(0) + eps;
    torch::Tensor root =
        (eigenvectors * eigenvalues.pow(-1.0 / (2.0 * static_cast<double>(order)))).mm(eigenvectors.t());
    if (!torch::isfinite(root).all().item<bool>()) return {};
    return root;
  } catch (const c10::Error&) {
    return {};
  }
}

}  // namespace

torch::Tensor Shampoo::inverse_root(const torch::Tensor& factor, double bias_correction, int64_t order, double eps) {
  const torch::Tensor factor_hat = factor / bias_correction;
  const auto first = factor.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  torch::Tensor root = try_inverse_root(factor_hat, first, order, eps);
  if (!root.defined() && first != torch::kDouble) {
    ++fp64_retries_;
    root = try_inverse_root(factor_hat, torch::kDouble, order, eps);
  }
  if (!root.defined()) {
    ++root_failures_;
    return {};
  }
  return root.to(factor.scalar_type());
}

Shampoo::Shampoo(std::vector<torch::optim::OptimizerParamGroup> groups, ShampooOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<ShampooOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Shampoo: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "Shampoo: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "Shampoo: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "Shampoo: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.weight_decay() >= 0, "Shampoo: invalid weight decay ", defaults.weight_decay());
  TORCH_CHECK(defaults.precondition_frequency() > 0, "Shampoo: invalid precondition_frequency");
  TORCH_CHECK(defaults.max_preconditioner_dim() > 0, "Shampoo: invalid max_preconditioner_dim");
}

Shampoo::Shampoo(std::vector<torch::Tensor> params, ShampooOptions defaults)
    : Shampoo({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Shampoo::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ShampooOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      const bool grafting_only =
          std::any_of(p.sizes().begin(), p.sizes().end(), [&](int64_t d) { return d >= o.grafting_only_dim(); });
      const ShampooLayout layout = shampoo_layout(p.sizes(), o.max_preconditioner_dim());
      const int64_t k = layout.order();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<ShampooParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        if (!grafting_only)
          for (const auto& block : layout.blocks)
            for (int64_t d : block.size) s->factors().push_back(torch::zeros({d, d}, p.options()));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<ShampooParamState&>(*it->second);
      s.step(s.step() + 1);
      const double t = static_cast<double>(s.step()), b1 = o.beta1(), b2 = o.beta2();
      const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);

      s.exp_avg().mul_(b1).add_(g, 1.0 - b1);
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, 1.0 - b2);
      const torch::Tensor lookahead = s.exp_avg().mul(b1).add_(g, 1.0 - b1).div_(bc1);
      torch::Tensor direction = lookahead / s.exp_avg_sq().sqrt().div_(std::sqrt(bc2)).add_(o.eps());

      if (!grafting_only) {
        const torch::Tensor g_merged = g.reshape(layout.merged_shape);
        auto& factors = s.factors();
        for (size_t b = 0; b < layout.blocks.size(); ++b) {
          const torch::Tensor gb = block_of(g_merged, layout.blocks[b]);
          for (int64_t i = 0; i < k; ++i) factors[b * k + i].mul_(b2).add_(mode_gram(gb, i), 1.0 - b2);
        }
        if (s.step() % o.precondition_frequency() == 0) {
          std::vector<torch::Tensor> roots(factors.size());
          bool all_ok = true;
          for (size_t f = 0; f < factors.size(); ++f) {
            roots[f] = inverse_root(factors[f], bc2, k, o.eps());
            all_ok = all_ok && roots[f].defined();
          }
          if (!s.roots().empty()) {  // keep the previous root of every factor that failed
            for (size_t f = 0; f < roots.size(); ++f)
              if (roots[f].defined()) s.roots()[f] = roots[f];
          } else if (all_ok) {
            s.roots(std::move(roots));
          }
        }
        if (!s.roots().empty()) {
          const torch::Tensor f_merged = lookahead.reshape(layout.merged_shape);
          const torch::Tensor grafted = direction.reshape(layout.merged_shape);
          torch::Tensor shampoo = torch::empty(layout.merged_shape, p.options());
          for (size_t b = 0; b < layout.blocks.size(); ++b) {
            const auto& block = layout.blocks[b];
            const torch::Tensor pb = precondition(block_of(f_merged, block), &s.roots()[b * k]);
            const torch::Tensor graft_b = block_of(grafted, block);
            const torch::Tensor p_norm = pb.norm(), graft_norm = graft_b.norm();
            block_of(shampoo, block).copy_(torch::where(p_norm.gt(0), pb * (graft_norm / p_norm), graft_b));
          }
          direction = shampoo.reshape(p.sizes());
        }
      }
      if (o.weight_decay() != 0) p.mul_(1.0 - o.lr() * o.weight_decay());
      p.sub_(direction, o.lr());
    }
  }
  return loss;
}

void Shampoo::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<ShampooParamState, ShampooOptions>(archive, *this);
}

void Shampoo::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<ShampooParamState, ShampooOptions>(archive, *this);
}

}  // namespace trainperf
