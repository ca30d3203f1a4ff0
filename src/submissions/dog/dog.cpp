// DoG and L-DoG: SGD with the distance-over-gradients step size (one for the whole model, or one per
// tensor for L-DoG; no learning rate, no schedule), evaluated at the polynomial-decay average of its
// iterates (gamma = 8), as in the paper. reps_rel is 1e-6, or 1e-4 when the model has BatchNorm (the
// paper's rule) unless the hyperparameters set it. Both share this folder's search space and
// self-tuning configuration.
#include "nn/batch_norm.h"
#include "optim/dog.h"
#include "submissions/common/unscheduled_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

HParamSchema dog_hparams() {
  return HParamSchema()
      .number("learning_rate", 1.0, "multiplier of the DoG step size (no schedule)")
      .optional("reps_rel", HType::Number, "initial movement relative to the weights (default 1e-6, 1e-4 with BatchNorm)")
      .number("weight_decay", 0.0, "coupled (L2) weight decay")
      .number("averaging_gamma", 8.0, "gamma of the polynomial-decay average evaluated")
      .add(gradient_hparams());
}

// The DoG family's submission: Optimizer (DoG or LDoG) with Options, evaluated at the average.
template <class Optimizer, class Options>
std::unique_ptr<Submission> make_dog_submission() {
  return polynomially_averaged([](const InitContext& ctx, const std::vector<torch::Tensor>& params) {
    const Hyperparameters& h = ctx.hparams;
    const double reps_rel = h.has("reps_rel") ? h.number("reps_rel") : (has_batch_norm(ctx.model) ? 1e-4 : 1e-6);
    return std::make_unique<Optimizer>(
        params, Options(h.number("learning_rate")).reps_rel(reps_rel).weight_decay(h.number("weight_decay")));
  });
}

}  // namespace

void register_dog(SubmissionRegistry& registry) {
  registry.add({"dog", "DoG (distance over gradients, learning-rate-free SGD) + polynomial-decay averaging",
                "Ivgi, Hinder & Carmon 2023, DoG is SGD's Best Friend; github.com/formll/dog",
                make_dog_submission<DoG, DoGOptions>, "dog", dog_hparams()});
  registry.add({"ldog", "L-DoG (layer-wise DoG: one step size per tensor) + polynomial-decay averaging",
                "Ivgi, Hinder & Carmon 2023, DoG is SGD's Best Friend; github.com/formll/dog (LDoG)",
                make_dog_submission<LDoG, LDoGOptions>, "dog", dog_hparams()});
}

}  // namespace trainperf
