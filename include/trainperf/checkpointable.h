// Mid-trial checkpoints (docs/tuning.md, "Checkpoints and preemption"): a submission that can save the
// state it keeps between steps also derives from Checkpointable. The runner then writes that state
// with the model every --checkpoint-every-min minutes and resumes a killed trial from it; a submission
// that is not Checkpointable is never checkpointed (a killed trial of it restarts from step 0). An
// interface of its own, not virtuals added to Submission, so that plugins built without it keep
// working unchanged.
#pragma once

#include <torch/torch.h>

namespace trainperf {

class Checkpointable {
 public:
  virtual ~Checkpointable() = default;

  // Writes what the next update_params depends on besides the model's parameters and buffers (the
  // runner saves those): optimizer state, averages, anything kept between steps. Called right after an
  // update_params, before any prepare_for_eval, so the training weights are in place. Returns false
  // when it cannot after all (a decorator of a submission that is not Checkpointable).
  virtual bool save_state(torch::serialize::OutputArchive& archive) const = 0;
  // Puts back what save_state wrote, after init_optimizer_state on the restored model.
  virtual void load_state(torch::serialize::InputArchive& archive) = 0;
};

}  // namespace trainperf
