// What the D-Adaptation family's submissions (dadapt_adam, dadapt_sgd, prodigy) share: their
// learning_rate is a multiplier of the estimated step size (1 in the papers) under the harness's
// schedule, and each reads d0, the initial estimate; the Adam members (dadapt_adam, prodigy) also
// share Adam's keys, with weight decay decoupled. Each block is declared next to where it is read.
#pragma once

#include <limits>

#include "submissions/common/gradient_submission.h"

namespace trainperf {

// After a member's own keys: d0, the schedule block, gradient_hparams.
inline HParamSchema d_adaptation_hparams() {
  return HParamSchema()
      .number("d0", 1e-6, "initial D estimate")
      .add(schedule_hparams())
      .add(gradient_hparams());
}

// The Adam members' keys: one_minus_beta1, beta2, weight_decay, decouple, use_bias_correction.
// Decoupled weight decay by default: Prodigy's own default, and for dadapt_adam a named deviation
// from dadaptation's DAdaptAdam (decouple=False); "decouple": false runs the coupled form.
inline HParamSchema adam_d_adaptation_hparams() {
  return HParamSchema()
      .number("one_minus_beta1", "1 - beta1")
      .number("beta2", "second-moment decay")
      .number("weight_decay", 0.0, "weight decay (decoupled unless decouple is false)")
      .boolean("decouple", true, "decoupled (AdamW-style) weight decay; false adds wd x to the gradient")
      .boolean("use_bias_correction", false, "Adam's bias correction of the step");
}

// The optional growth_rate key of dadapt_adam and dadapt_sgd: absent is unbounded, the references'
// default (JSON has no infinity).
inline double growth_rate_or_unbounded(const Hyperparameters& h) {
  return h.has("growth_rate") ? h.number("growth_rate") : std::numeric_limits<double>::infinity();
}

// `options` (DAdaptAdamOptions or ProdigyOptions) with adam_d_adaptation_hparams() and d0 set.
template <class Options>
Options with_adam_d_adaptation_keys(Options options, const Hyperparameters& h) {
  return options.beta1(1.0 - h.number("one_minus_beta1"))
      .beta2(h.number("beta2"))
      .weight_decay(h.number("weight_decay"))
      .decouple(h.boolean("decouple"))
      .use_bias_correction(h.boolean("use_bias_correction"))
      .d0(h.number("d0"));
}

}  // namespace trainperf
