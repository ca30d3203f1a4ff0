// austen_lm: a decoder-only pre-LN transformer language model on Jane Austen's novels, the analog
// of AlgoPerf v0.6's language-modelling workload. Data: the "austen" prepared dataset
// (austen_dataset.cpp). How the target, budget, step hint and eval period were chosen:
// docs/workloads/austen_lm.md.
#include "data/dataset_cache.h"
#include "data/token_ids.h"
#include "workloads/austen_lm/austen_lm.h"
#include "workloads/common/language_model.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::austen_lm {

namespace {

LanguageModelConfig base_config() {
  LanguageModelConfig c;
  c.context_length = 64;
  c.stack.num_layers = 2;
  c.stack.layer.d_model = 64;
  c.stack.layer.num_heads = 4;
  c.stack.layer.d_ff = 256;
  c.stack.layer.activation = nn::Activation::GELU;
  c.stack.layer.pre_ln = true;
  c.stack.final_norm = true;
  c.max_eval_windows = 256;  // 16,384 tokens per split, spread over the whole book(s)
  return c;
}

class AustenLm final : public LanguageModelWorkload {
 public:
  AustenLm(WorkloadSpec spec, LanguageModelConfig config) {
    spec_ = std::move(spec);
    config_ = std::move(config);
  }

  void load_data(const DataOptions& options) override {
    const std::string dir = require_dataset(austen_dataset(), options, spec_.name);
    TokenIds train = read_token_ids(dir + "/train.ids");
    TokenIds validation = read_token_ids(dir + "/validation.ids");
    TokenIds test = read_token_ids(dir + "/test.ids");
    if (validation.vocab_size != train.vocab_size || test.vocab_size != train.vocab_size)
      throw DataError(dir + ": the splits' token files disagree on the vocabulary size (rebuild with "
                            "`trainperf data prepare --workload " + spec_.name + " --force`)");
    auto to_tensor = [](const TokenIds& t) {
      return torch::tensor(std::vector<int64_t>(t.ids.begin(), t.ids.end()), torch::kLong);
    };
    set_tokens(to_tensor(train), to_tensor(validation), to_tensor(test), train.vocab_size, kAustenPadId,
               options.device);
  }
};

WorkloadSpec austen_spec() {
  WorkloadSpec s;
  s.name = "austen_lm";
  s.description = "decoder-only pre-LN transformer LM (2x64, context 64) on Jane Austen; AlgoPerf v0.6 LM analog";
  s.target_metric = "loss";
  s.goal = Goal::Minimize;
  s.eval_period_reference_steps = 200;  // ~10 evaluations per budget
  s.reference_batch_size = 16;
  return with_targets(s);  // targets, budget, step hint: targets/austen_lm.json
}

// Held-out variant (AlgoPerf's post-LN vs pre-LN kind): LayerNorm after each residual addition,
// no final LayerNorm.
WorkloadSpec austen_post_ln_spec() {
  return held_out_variant(austen_spec(), "post_ln", "austen_lm with post-LN layers (held-out variant)");
}

LanguageModelConfig post_ln_config() {
  LanguageModelConfig c = base_config();
  c.stack.layer.pre_ln = false;
  c.stack.final_norm = false;
  return c;
}

}  // namespace

std::unique_ptr<Workload> make_austen_lm(const std::string& name) {
  if (name == "austen_lm") return std::make_unique<AustenLm>(austen_spec(), base_config());
  if (name == "austen_lm_post_ln") return std::make_unique<AustenLm>(austen_post_ln_spec(), post_ln_config());
  throw std::invalid_argument("make_austen_lm: unknown workload '" + name + "'");
}

void register_workloads(WorkloadRegistry& registry) {
  for (const WorkloadSpec& s : {austen_spec(), austen_post_ln_spec()})
    registry.add({s.name, s.description, [name = s.name] { return make_austen_lm(name); }, {austen_dataset()}});
}

}  // namespace trainperf::workload::austen_lm
