// The nadamw submission, unchanged, evaluated at an exponential moving average of its weights
// (decay ema_decay, warmed up as min(decay, (1 + t) / (10 + t))). The average wraps the registered
// nadamw submission rather than a flag inside it: any submission can be wrapped the same way.
// Its search space and self-tuning configuration are nadamw's, with ema_decay at their defaults.
// ema_form "algoperf_lawa_ema" averages as AlgoPerf v0.5's lawa_ema submission did (optim/averaging.h,
// LawaEmaAverage): an EMA of snapshots taken every ceil(ema_every_factor * step_hint) steps from
// ceil(ema_start_factor * step_hint) on, with beta = int(ema_decay) as that submission's int(lawa_beta)
// (0 for its published 0.2: the latest snapshot); its inner loop of several steps per call is not
// reproduced (one step each).
#include <cmath>
#include <stdexcept>

#include "submissions/common/averaged_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema nadamw_ema_hparams() {
  return HParamSchema()
      .number("ema_decay", 0.999, "decay of the exponential moving average evaluated")
      .string("ema_form", "tf_warmup",
              "tf_warmup (every step, decay warmed up as TF's) or algoperf_lawa_ema (AlgoPerf v0.5's lawa_ema: "
              "snapshots every ema_every_factor * step_hint steps, decay int(ema_decay))")
      .number("ema_every_factor", 0.005, "algoperf_lawa_ema: a snapshot every ema_every_factor * step_hint steps")
      .number("ema_start_factor", 0.02, "algoperf_lawa_ema: snapshots from ema_start_factor * step_hint steps on");
}

void register_nadamw_ema(SubmissionRegistry& registry) {
  registry.add({"nadamw_ema", "nadamw evaluated at an EMA of its weights (averaging decorator)",
                "Polyak & Juditsky 1992; EMA warm-up rule of tf.train.ExponentialMovingAverage",
                [] {
                  return std::make_unique<AveragedSubmission>(
                      submissions().find("nadamw").make(),
                      [](const InitContext& ctx, std::vector<torch::Tensor> params) -> std::unique_ptr<WeightAverage> {
                        const std::string form = ctx.hparams.string("ema_form");
                        if (form == "algoperf_lawa_ema") {
                          const double hint = static_cast<double>(ctx.workload.spec().step_hint);
                          const auto every = std::max<int64_t>(
                              1, static_cast<int64_t>(std::ceil(ctx.hparams.number("ema_every_factor") * hint)));
                          const auto start =
                              static_cast<int64_t>(std::ceil(ctx.hparams.number("ema_start_factor") * hint));
                          return std::make_unique<LawaEmaAverage>(
                              std::move(params), std::trunc(ctx.hparams.number("ema_decay")), every, start);
                        }
                        if (form != "tf_warmup")
                          throw std::invalid_argument("nadamw_ema: ema_form must be tf_warmup or algoperf_lawa_ema, "
                                                      "got '" + form + "'");
                        return std::make_unique<EmaAverage>(std::move(params), ctx.hparams.number("ema_decay"));
                      });
                },
                "nadamw_ema", nadamw_ema_hparams(), "nadamw"});
}

}  // namespace trainperf
