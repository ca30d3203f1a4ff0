// Muon for the hidden weight matrices, AdamW for everything else, linear warmup + cosine decay over
// step_hint for both (each group keeps its own peak rate). Hidden = a dense, conv or attention weight
// with >= 2 dims that is not the model's output layer (the last dense weight in module order);
// embeddings, biases and norm parameters go to AdamW, as the Muon reference prescribes.
// Self-tuning: the reference's defaults; external tuning: a documented range around them.
#include "optim/muon.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

bool is_matrix_type(ParamType t) {
  return t == ParamType::Weight || t == ParamType::ConvWeight || t == ParamType::AttentionQKV ||
         t == ParamType::AttentionOut;
}

class MuonSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    int64_t output_layer = -1;
    for (size_t i = 0; i < ctx.params.size(); ++i)
      if (ctx.params[i].type == ParamType::Weight) output_layer = static_cast<int64_t>(i);
    std::vector<torch::Tensor> hidden, rest;
    for (size_t i = 0; i < ctx.params.size(); ++i) {
      const ParamInfo& p = ctx.params[i];
      const bool is_hidden = is_matrix_type(p.type) && p.tensor.dim() >= 2 && static_cast<int64_t>(i) != output_layer;
      (is_hidden ? hidden : rest).push_back(p.tensor);
    }
    TORCH_CHECK(hidden.size() + rest.size() == params.size(), "muon: parameter infos do not match the parameters");
    const auto muon = MuonOptions(h.number("learning_rate"))
                          .momentum(1.0 - h.number("one_minus_beta1"))
                          .weight_decay(h.number("weight_decay"));
    const auto adamw = MuonOptions(h.number("adamw_learning_rate"))
                           .use_muon(false)
                           .adamw_beta1(0.9)
                           .adamw_beta2(h.number("beta2"))
                           .weight_decay(h.number("weight_decay"));
    // Both groups always, the Muon group first: ScheduledLr sets the first group to learning_rate x
    // schedule and keeps the AdamW group at its ratio to it, even when one of them is empty.
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(hidden, std::make_unique<MuonOptions>(muon));
    groups.emplace_back(rest, std::make_unique<MuonOptions>(adamw));
    return std::make_unique<Muon>(std::move(groups), muon);
  }
};

}  // namespace

static HParamSchema muon_hparams() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate of the Muon group (warmup + cosine decay)")
      .number("adamw_learning_rate", "peak learning rate of the AdamW group (embeddings, biases, norms, output)")
      .add(adam_hparams())
      .add(schedule_hparams())
      .add(gradient_hparams());
}

void register_muon(SubmissionRegistry& registry) {
  registry.add(
      {"muon", "Muon (Newton-Schulz orthogonalised momentum) on hidden matrices, AdamW elsewhere + warmup/cosine",
       "Jordan et al. 2024; github.com/KellerJordan/Muon", [] { return std::make_unique<MuonSubmission>(); }, "muon", muon_hparams()});
}

}  // namespace trainperf
