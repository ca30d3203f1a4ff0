// L-DoG: layer-wise DoG (one distance-over-gradients step size per tensor; no learning rate, no
// schedule), evaluated at the polynomial-decay average of its iterates (gamma = 8), as in the paper. reps_rel is 1e-6,
// or 1e-4 when the model has BatchNorm (the paper's rule) unless the hyperparameters set it.
#include "optim/ldog.h"
#include "submissions/common/unscheduled_submission.h"
#include "submissions/registry.h"

namespace trainperf {

void register_ldog(SubmissionRegistry& registry) {
  registry.add({"ldog", "L-DoG (layer-wise DoG: one step size per tensor) + polynomial-decay averaging",
                "Ivgi, Hinder & Carmon 2023, DoG is SGD's Best Friend; github.com/formll/dog (LDoG)",
                [] {
                  return polynomially_averaged([](const InitContext& ctx, const std::vector<torch::Tensor>& params) {
                    const Hyperparameters& h = ctx.hparams;
                    const double reps_rel = h.number_or("reps_rel", has_batch_norm(ctx.model) ? 1e-4 : 1e-6);
                    return std::make_unique<LDoG>(params, LDoGOptions(h.number_or("learning_rate", 1.0))
                                                              .reps_rel(reps_rel)
                                                              .weight_decay(h.number_or("weight_decay", 0.0)));
                  });
                },
                "ldog"});
}

}  // namespace trainperf
