// SOAP: Adam in the eigenbasis of Shampoo's factors (basis refreshed every precondition_frequency
// = 10 steps by one power iteration + QR), decoupled weight decay, linear warmup + cosine decay over
// step_hint. Self-tuning: the paper's defaults; external tuning: a documented range around them.
#include "optim/soap.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class SoapSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<SOAP>(
        params, SOAPOptions(h.number("learning_rate"))
                    .beta1(1.0 - h.number("one_minus_beta1"))
                    .beta2(h.number("beta2"))
                    .eps(1e-8)
                    .weight_decay(h.number("weight_decay"))
                    .precondition_frequency(h.integer("precondition_frequency")));
  }
};

}  // namespace

static HParamSchema soap_hparams() {
  return scheduled_adam_hparams()
      .integer("precondition_frequency", 10, "steps between eigenbasis updates");
}

void register_soap(SubmissionRegistry& registry) {
  registry.add({"soap", "SOAP (Adam in Shampoo's eigenbasis) + warmup/cosine",
                "Vyas et al. 2024; github.com/nikhilvyas/SOAP", [] { return std::make_unique<SoapSubmission>(); },
                "soap", soap_hparams()});
}

}  // namespace trainperf
