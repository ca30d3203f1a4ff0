// The nadamw submission, unchanged, evaluated at an exponential moving average of its weights
// (decay ema_decay, warmed up as min(decay, (1 + t) / (10 + t))). The average wraps the registered
// nadamw submission rather than a flag inside it: any submission can be wrapped the same way.
// Its search space and self-tuning configuration are nadamw's, with ema_decay at their defaults.
#include "submissions/common/averaged_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema nadamw_ema_hparams() {
  return HParamSchema().number("ema_decay", 0.999, "decay of the exponential moving average evaluated");
}

void register_nadamw_ema(SubmissionRegistry& registry) {
  registry.add({"nadamw_ema", "nadamw evaluated at an EMA of its weights (averaging decorator)",
                "Polyak & Juditsky 1992; EMA warm-up rule of tf.train.ExponentialMovingAverage",
                [] {
                  return std::make_unique<AveragedSubmission>(
                      submissions().find("nadamw").make(),
                      [](const InitContext& ctx, std::vector<torch::Tensor> params) {
                        return std::make_unique<EmaAverage>(std::move(params), ctx.hparams.number("ema_decay"));
                      });
                },
                "nadamw_ema", nadamw_ema_hparams(), "nadamw"});
}

}  // namespace trainperf
