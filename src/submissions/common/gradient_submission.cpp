#include "submissions/common/gradient_submission.h"

namespace trainperf {

int64_t schedule_steps(const InitContext& ctx) {
  return static_cast<int64_t>(ctx.hparams.number_or("step_hint_factor", 1.0) *
                              static_cast<double>(ctx.workload.spec().step_hint));
}

std::shared_ptr<Schedule> GradientSubmission::make_schedule(const InitContext& ctx) {
  if (!ctx.hparams.has("learning_rate")) return nullptr;
  return std::make_shared<WarmupCosine>(schedule_steps(ctx), ctx.hparams.number_or("warmup_factor", 0.0));
}

void GradientSubmission::init_optimizer_state(const InitContext& ctx) {
  params_.clear();
  for (const auto& p : ctx.params) params_.push_back(p.tensor);
  optimizer_ = make_optimizer(ctx, params_);
  lr_ = ctx.hparams.number_or("learning_rate", 0.0);
  if (auto schedule = make_schedule(ctx)) schedule_ = std::make_unique<ScheduledLr>(*optimizer_, schedule, lr_);
  label_smoothing_ = ctx.hparams.number_or("label_smoothing", 0.0);
  grad_clip_ = ctx.hparams.number_or("grad_clip", 0.0);
}

torch::Tensor GradientSubmission::loss_and_grads(const StepContext& ctx, const Batch& batch) {
  optimizer_->zero_grad();
  torch::Tensor logits = ctx.workload.model_fn(ctx.model, batch, ForwardMode::Train);
  torch::Tensor mean = ctx.workload.loss(logits, batch, label_smoothing_).mean();
  mean.backward();
  average_gradients(ctx.comm, params_);
  if (grad_clip_ > 0) torch::nn::utils::clip_grad_norm_(params_, grad_clip_);
  return mean.detach();
}

StepResult GradientSubmission::update_params(const StepContext& ctx, const Batch& batch) {
  torch::Tensor loss = loss_and_grads(ctx, batch);
  if (schedule_) schedule_->apply(ctx.global_step);
  optimizer_->step();
  return {loss, false};
}

}  // namespace trainperf
