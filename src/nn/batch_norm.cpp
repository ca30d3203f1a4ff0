#include "nn/batch_norm.h"

namespace trainperf {

namespace {
template <typename Impl>
bool visit_if(torch::nn::Module& m, const std::function<void(BatchNormLayer&)>& f) {
  auto* bn = dynamic_cast<Impl*>(&m);
  if (!bn) return false;
  BatchNormLayer layer{bn->running_mean, bn->running_var, bn->num_batches_tracked, bn->options.momentum(),
                       bn->options.track_running_stats()};
  f(layer);
  return true;
}
}  // namespace

void for_each_batch_norm(torch::nn::Module& root, const std::function<void(BatchNormLayer&)>& f) {
  for (const auto& m : root.modules(/*include_self=*/true))
    visit_if<torch::nn::BatchNorm1dImpl>(*m, f) || visit_if<torch::nn::BatchNorm2dImpl>(*m, f) ||
        visit_if<torch::nn::BatchNorm3dImpl>(*m, f);
}

bool has_batch_norm(torch::nn::Module& root) {
  bool found = false;
  for_each_batch_norm(root, [&](BatchNormLayer& l) { found = found || l.tracks_running_stats; });
  return found;
}

FreezeBatchNormStats::FreezeBatchNormStats(torch::nn::Module& root) {
  for_each_batch_norm(root, [&](BatchNormLayer& l) {
    Saved s{&l.momentum, l.momentum, l.num_batches_tracked, torch::Tensor()};
    if (l.num_batches_tracked.defined()) s.num_batches_copy = l.num_batches_tracked.clone();
    // momentum 0: running = 1 * running + 0 * batch, i.e. unchanged.
    l.momentum = 0.0;
    saved_.push_back(std::move(s));
  });
}

FreezeBatchNormStats::~FreezeBatchNormStats() {
  torch::NoGradGuard no_grad;
  for (auto& s : saved_) {
    *s.momentum = s.value;
    if (s.num_batches_tracked.defined()) s.num_batches_tracked.copy_(s.num_batches_copy);
  }
}

}  // namespace trainperf
