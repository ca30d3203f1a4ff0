// A tiny real workload (linear regression, optionally through BatchNorm) for driving the
// learning-rate-free and averaging submissions through the submission protocol by hand.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <trainperf/trainperf.h>

#include <memory>
#include <vector>

namespace trainperf::testing {

class TinyModel final : public Model {
 public:
  explicit TinyModel(bool batch_norm) {
    linear = register_module("linear", torch::nn::Linear(4, 1));
    if (batch_norm) bn = register_module("bn", torch::nn::BatchNorm1d(4));
  }
  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor x = batch.inputs;
    if (bn) x = bn->forward(x);
    return linear->forward(x);
  }
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

class TinyStream final : public BatchStream {
 public:
  Batch next() override {
    torch::Tensor x = torch::randn({16, 4}, gen_) * 0.3 + 0.2;
    return Batch{x, x.matmul(torch::tensor({1.0f, -2.0f, 0.5f, 3.0f})).unsqueeze(1) + 0.1, {}, {}};
  }

 private:
  at::Generator gen_ = at::detail::createCPUGenerator(7);
};

class TinyWorkload final : public Workload {
 public:
  explicit TinyWorkload(bool batch_norm = false) : batch_norm_(batch_norm) {
    spec_.name = "tiny";
    spec_.target_metric = "loss";
    spec_.goal = Goal::Minimize;
    spec_.step_hint = 200;
    spec_.reference_batch_size = 16;
  }
  const WorkloadSpec& spec() const override { return spec_; }
  void load_data(const DataOptions&) override {}
  std::unique_ptr<BatchStream> train_stream(int64_t, uint64_t, const DistInfo&) override {
    return std::make_unique<TinyStream>();
  }
  ModelPtr init_model(uint64_t seed, const ModelOptions&) override {
    torch::manual_seed(seed);
    return std::make_shared<TinyModel>(batch_norm_);
  }
  LossOutput loss(const torch::Tensor& logits, const Batch& b, double) const override {
    return {(logits - b.targets).pow(2).sum(), torch::tensor(static_cast<float>(b.size())), {}};
  }
  Metrics evaluate(Model&, Split, Communicator&) override { return {{"loss", 0.0}}; }

 private:
  WorkloadSpec spec_;
  bool batch_norm_;
};

// One submission, its model and its stream, driven step by step.
struct Driver {
  Driver(Submission& s, Workload& w, const Hyperparameters& h, uint64_t seed = 1)
      : submission(s), workload(w), hparams(h), model(w.init_model(seed, {})), stream(w.train_stream(16, 0, {})) {
    for (const auto& item : model->named_parameters()) params.push_back({item.key(), ParamType::Other, item.value()});
    submission.init_optimizer_state(InitContext{workload, *model, params, hparams, Ruleset::Self, seed, comm});
  }
  StepContext context() { return StepContext{workload, *model, params, hparams, last_eval, step, 0, state, comm}; }
  StepResult update() {
    StepContext ctx = context();
    Batch batch = submission.data_selection(ctx, *stream);
    StepResult r = submission.update_params(ctx, batch);
    ++step;
    return r;
  }
  void prepare_for_eval() { submission.prepare_for_eval(context()); }
  std::vector<torch::Tensor> weights() const {
    std::vector<torch::Tensor> out;
    for (const auto& p : params) out.push_back(p.tensor.detach().clone());
    return out;
  }
  std::vector<torch::Tensor> buffers() const {
    std::vector<torch::Tensor> out;
    for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
    return out;
  }

  Submission& submission;
  Workload& workload;
  const Hyperparameters& hparams;
  ModelPtr model;
  std::unique_ptr<BatchStream> stream;
  std::vector<ParamInfo> params;
  LocalCommunicator comm;
  TrainState state;
  std::map<std::string, Metrics> last_eval;
  int64_t step = 0;
};

inline bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

}  // namespace trainperf::testing
