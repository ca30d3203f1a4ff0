#include "nn/batch_norm.h"

namespace trainperf {

namespace {
template <typename Impl>
bool freeze_if(torch::nn::Module& m, std::vector<c10::optional<double>*>& momenta,
               std::vector<torch::Tensor>& counters) {
  auto* bn = dynamic_cast<Impl*>(&m);
  if (!bn) return false;
  momenta.push_back(&bn->options.momentum());
  counters.push_back(bn->num_batches_tracked);
  return true;
}
}  // namespace

FreezeBatchNormStats::FreezeBatchNormStats(torch::nn::Module& root) {
  for (const auto& m : root.modules(/*include_self=*/true)) {
    std::vector<c10::optional<double>*> momenta;
    std::vector<torch::Tensor> counters;
    freeze_if<torch::nn::BatchNorm1dImpl>(*m, momenta, counters) ||
        freeze_if<torch::nn::BatchNorm2dImpl>(*m, momenta, counters) ||
        freeze_if<torch::nn::BatchNorm3dImpl>(*m, momenta, counters);
    for (size_t i = 0; i < momenta.size(); ++i) {
      Saved s{momenta[i], *momenta[i], counters[i], torch::Tensor()};
      if (counters[i].defined()) s.num_batches_copy = counters[i].clone();
      // momentum 0: running = 1 * running + 0 * batch, i.e. unchanged.
      *momenta[i] = 0.0;
      saved_.push_back(std::move(s));
    }
  }
}

FreezeBatchNormStats::~FreezeBatchNormStats() {
  torch::NoGradGuard no_grad;
  for (auto& s : saved_) {
    *s.momentum = s.value;
    if (s.num_batches_tracked.defined()) s.num_batches_tracked.copy_(s.num_batches_copy);
  }
}

}  // namespace trainperf
