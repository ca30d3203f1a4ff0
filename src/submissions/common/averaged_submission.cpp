#include "submissions/common/averaged_submission.h"

namespace trainperf {

// --- BatchNormRecompute ---

void BatchNormRecompute::attach(Model& model) {
  layers_.clear();
  batches_.clear();
  stash_.clear();
  for_each_batch_norm(model, [&](BatchNormLayer& l) {
    if (l.tracks_running_stats) layers_.push_back({l.running_mean, l.running_var, l.num_batches_tracked, &l.momentum});
  });
}

void BatchNormRecompute::remember(const Batch& batch) {
  if (!active() || num_batches_ <= 0) return;
  batches_.push_back(batch);
  while (static_cast<int64_t>(batches_.size()) > num_batches_) batches_.pop_front();
}

void BatchNormRecompute::recompute(const StepContext& ctx) {
  if (!active() || batches_.empty() || !stash_.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<c10::optional<double>> momenta;
  for (auto& l : layers_) {
    for (auto* t : {&l.running_mean, &l.running_var, &l.num_batches_tracked})
      stash_.push_back(t->defined() ? t->clone() : torch::Tensor());
    l.running_mean.zero_();
    l.running_var.fill_(1.0);
    if (l.num_batches_tracked.defined()) l.num_batches_tracked.zero_();
    momenta.push_back(*l.momentum);
    *l.momentum = c10::nullopt;  // cumulative average: every remembered batch weighs the same
  }
  for (const auto& batch : batches_) ctx.workload.model_fn(ctx.model, batch, ForwardMode::Train, true);
  for (size_t i = 0; i < layers_.size(); ++i) *layers_[i].momentum = momenta[i];
}

void BatchNormRecompute::restore() {
  if (stash_.empty()) return;
  torch::NoGradGuard no_grad;
  size_t j = 0;
  for (auto& l : layers_)
    for (auto* t : {&l.running_mean, &l.running_var, &l.num_batches_tracked}) {
      if (t->defined()) t->copy_(stash_[j]);
      ++j;
    }
  stash_.clear();
}

void BatchNormRecompute::save(torch::serialize::OutputArchive& archive) const {
  archive.write("batch_norm/batches", c10::IValue(static_cast<int64_t>(batches_.size())));
  for (size_t i = 0; i < batches_.size(); ++i) {
    const Batch& b = batches_[i];
    const std::string key = "batch_norm/" + std::to_string(i) + "/";
    archive.write(key + "inputs", b.inputs);
    archive.write(key + "targets", b.targets);
    if (b.weights.defined()) archive.write(key + "weights", b.weights);
    std::vector<std::string> extras;
    for (const auto& [name, tensor] : b.extras) {
      extras.push_back(name);
      archive.write(key + "extra/" + name, tensor);
    }
    archive.write(key + "extras", c10::IValue(c10::List<std::string>(extras)));
  }
}

void BatchNormRecompute::load(torch::serialize::InputArchive& archive) {
  c10::IValue count;
  archive.read("batch_norm/batches", count);
  batches_.clear();
  stash_.clear();
  for (int64_t i = 0; i < count.toInt(); ++i) {
    const std::string key = "batch_norm/" + std::to_string(i) + "/";
    Batch b;
    archive.read(key + "inputs", b.inputs);
    archive.read(key + "targets", b.targets);
    archive.try_read(key + "weights", b.weights);
    c10::IValue extras;
    archive.read(key + "extras", extras);
    for (const c10::IValue& name : extras.toListRef())
      archive.read(key + "extra/" + name.toStringRef(), b.extras[name.toStringRef()]);
    batches_.push_back(std::move(b));
  }
}

// --- EvalWeightsProtocol ---

void EvalWeightsProtocol::attach(Model& model, EvalWeights& weights, int64_t batch_norm_batches) {
  weights_ = &weights;
  batch_norm_ = std::make_unique<BatchNormRecompute>(batch_norm_batches);
  batch_norm_->attach(model);
}

void EvalWeightsProtocol::before_update() {
  weights_->swap_out();
  batch_norm_->restore();
}

void EvalWeightsProtocol::after_update(const Batch& batch) { batch_norm_->remember(batch); }

void EvalWeightsProtocol::before_eval(const StepContext& ctx) {
  if (weights_->swapped_in()) return;
  weights_->swap_in();
  batch_norm_->recompute(ctx);
}

// --- AveragedSubmission ---

AveragedSubmission::AveragedSubmission(std::unique_ptr<Submission> inner, MakeAverage make_average)
    : inner_(std::move(inner)), make_average_(std::move(make_average)) {}

void AveragedSubmission::init_optimizer_state(const InitContext& ctx) {
  inner_->init_optimizer_state(ctx);
  std::vector<torch::Tensor> params;
  for (const auto& p : ctx.params) params.push_back(p.tensor);
  average_ = make_average_(ctx, std::move(params));
  protocol_.attach(ctx.model, *average_);
}

StepResult AveragedSubmission::update_params(const StepContext& ctx, const Batch& batch) {
  protocol_.before_update();
  StepResult result = inner_->update_params(ctx, batch);
  average_->update();
  protocol_.after_update(batch);
  return result;
}

bool AveragedSubmission::save_state(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive inner(archive.compilation_unit()), average(archive.compilation_unit());
  const auto* checkpointable = dynamic_cast<const Checkpointable*>(inner_.get());
  if (!checkpointable || !checkpointable->save_state(inner)) return false;
  average_->save(average);
  protocol_.save(average);
  archive.write("inner", inner);
  archive.write("average", average);
  return true;
}

void AveragedSubmission::load_state(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive inner, average;
  archive.read("inner", inner);
  archive.read("average", average);
  auto* checkpointable = dynamic_cast<Checkpointable*>(inner_.get());
  if (!checkpointable) throw std::logic_error("AveragedSubmission: its inner submission cannot load a checkpoint");
  checkpointable->load_state(inner);
  average_->load(average);
  protocol_.load(average);
}

void AveragedSubmission::prepare_for_eval(const StepContext& ctx) {
  if (average_->swapped_in()) return;
  inner_->prepare_for_eval(ctx);
  protocol_.before_eval(ctx);
}

}  // namespace trainperf
