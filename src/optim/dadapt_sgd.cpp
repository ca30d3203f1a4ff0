#include "optim/dadapt_sgd.h"

namespace trainperf {

DAdaptSGDUpdate::Step DAdaptSGDUpdate::begin(const Options& o0, double d, int64_t k,
                                             const std::vector<Param>& params) const {
  // dlr stays a device scalar so the first step needs no extra synchronisation for ||g_0||; a zero
  // ||g_0|| gives dlr = 0, hence s = 0 and the family's skip.
  if (k > 0) return {false, torch::scalar_tensor(d * o0.lr() / g0_norm, torch::kDouble), {}};
  std::vector<torch::Tensor> sq;
  for (const auto& t : params)
    sq.push_back((o0.g0_norm_with_decay() ? t.grad : t.param.grad()).pow(2).sum().to(torch::kDouble));
  torch::Tensor g0_sq = torch::stack(sq).sum();
  torch::Tensor dlr = torch::where(g0_sq > 0, d * o0.lr() / g0_sq.sqrt(), torch::zeros_like(g0_sq));
  return {true, dlr, g0_sq};
}

std::pair<torch::Tensor, torch::Tensor> DAdaptSGDUpdate::accumulate(const Step& step, const Param& t) const {
  torch::Tensor numerator = (t.grad * t.state->s()).sum().to(torch::kDouble) * step.dlr;
  t.state->s().addcmul_(t.grad, step.dlr);
  return {numerator, t.state->s().pow(2).sum().to(torch::kDouble)};
}

template class DAdaptation<DAdaptSGDUpdate>;

}  // namespace trainperf
