// Cautious NAdamW (Liang et al. 2024): the nadamw submission with the cautious mask on NAdamW's
// look-ahead (optim/cautious.h), as the Cautious NAdamW entry of AlgoPerf's 2026 self-tuning round
// ran it (mlcommons/submissions_algorithms, branch a100_scoring, submissions/self_tuning/cautious_nadamw,
// JAX; author Kaizhao Liang).
// Self-tuning: that entry's HPARAMS (the NAdamW baseline's point 5: lr 1.7486e-3, beta1 1 - 0.0673,
// beta2 0.99552, wd 0.0812, warmup_factor 0.02, dropout 0.1), with its JAX schedule (warmup + cosine
// clamped at 0, `warmup_cosine`), no label smoothing and no gradient clipping: it reads both with
// hasattr() on a dict, which is always false, so neither ever applied.
// External tuning: the NAdamW baseline's five published points (a copy of nadamw/search_space.json);
// AlgoPerf published none for this entry.
#include "optim/nadamw.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class CautiousNadamWSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<NAdamW>(params, NAdamWOptions(h.number("learning_rate"))
                                                .beta1(1.0 - h.number("one_minus_beta1"))
                                                .beta2(h.number("beta2"))
                                                .eps(1e-8)
                                                .weight_decay(h.number("weight_decay"))
                                                .cautious(true));
  }
};

}  // namespace

void register_cautious_nadamw(SubmissionRegistry& registry) {
  registry.add({"cautious_nadamw",
                "NAdamW with the cautious mask (update g > 0) + warmup/cosine; AlgoPerf 2026 self-tuning entry",
                "Liang et al. 2024, Cautious Optimizers; kyleliang919/C-Optim; mlcommons/submissions_algorithms "
                "a100_scoring submissions/self_tuning/cautious_nadamw",
                [] { return std::make_unique<CautiousNadamWSubmission>(); }, "cautious_nadamw",
                scheduled_adam_hparams()});
}

}  // namespace trainperf
