// The nadamw submission, unchanged, evaluated at LAWA: the mean of the last lawa_queue_len snapshots
// of its weights, one taken every lawa_every_factor * step_hint steps. The average wraps the
// registered nadamw submission rather than a flag inside it: any submission can be wrapped this way.
// Its search space and self-tuning configuration are nadamw's, with lawa_queue_len and lawa_every_factor at their defaults.
// lawa_form "algoperf" averages as AlgoPerf v0.5's lawa_queue submission did (optim/averaging.h,
// LawaForm::algoperf: snapshots from ceil(lawa_start_factor * step_hint) on, every
// ceil(lawa_every_factor * step_hint) steps, the training weights until lawa_queue_len were taken); that
// submission's inner loop of several steps per update_params call is not reproduced (one step each).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "submissions/common/averaged_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema nadamw_lawa_hparams() {
  return HParamSchema()
      .integer("lawa_queue_len", 5, "number of snapshots averaged")
      .number("lawa_every_factor", 0.01, "a snapshot every lawa_every_factor * step_hint steps")
      .string("lawa_form", "trainperf",
              "trainperf (mean of the snapshots taken so far) or algoperf (AlgoPerf v0.5's lawa_queue: the training "
              "weights until the queue is full, snapshots from lawa_start_factor * step_hint on)")
      .number("lawa_start_factor", 0.0, "algoperf form: the first snapshot after lawa_start_factor * step_hint steps");
}

void register_nadamw_lawa(SubmissionRegistry& registry) {
  registry.add(
      {"nadamw_lawa", "nadamw evaluated at LAWA, the mean of its last k weight snapshots (averaging decorator)",
       "Kaddour 2022, Stop Wasting My Time!; Sanyal et al. 2023; AlgoPerf LAWA submission (Ajroldi)",
       [] {
         return std::make_unique<AveragedSubmission>(
             submissions().find("nadamw").make(), [](const InitContext& ctx, std::vector<torch::Tensor> params) {
               const auto k = ctx.hparams.integer("lawa_queue_len");
               const double hint = static_cast<double>(ctx.workload.spec().step_hint);
               const std::string form = ctx.hparams.string("lawa_form");
               if (form == "algoperf") {
                 // AlgoPerf's math.ceil of both.
                 const auto every = std::max<int64_t>(
                     1, static_cast<int64_t>(std::ceil(ctx.hparams.number("lawa_every_factor") * hint)));
                 const auto start = static_cast<int64_t>(std::ceil(ctx.hparams.number("lawa_start_factor") * hint));
                 return std::make_unique<LawaAverage>(std::move(params), k, every, LawaForm::algoperf, start);
               }
               if (form != "trainperf")
                 throw std::invalid_argument("nadamw_lawa: lawa_form must be trainperf or algoperf, got '" + form +
                                             "'");
               const auto every =
                   std::max<int64_t>(1, static_cast<int64_t>(ctx.hparams.number("lawa_every_factor") * hint));
               return std::make_unique<LawaAverage>(std::move(params), k, every);
             });
       },
       "nadamw_lawa", nadamw_lawa_hparams(), "nadamw"});
}

}  // namespace trainperf
