#include "submissions/common/gradient_submission.h"

namespace trainperf {

HParamSchema gradient_hparams() {
  return HParamSchema()
      .number("label_smoothing", 0.0, "label smoothing of the training loss (classification workloads)")
      .number("grad_clip", 0.0, "global-norm gradient clipping threshold; 0 = no clipping");
}

HParamSchema warmup_hparams() {
  return HParamSchema()
      .number("warmup_factor", 0.0, "linear warmup over this fraction of the schedule's steps")
      .number("step_hint_factor", 1.0, "the schedule spans step_hint * step_hint_factor steps");
}

HParamSchema schedule_hparams() {
  std::string names;
  for (const auto& n : schedule_names()) names += (names.empty() ? "" : ", ") + n;
  return HParamSchema()
      .string("schedule", "warmup_cosine", "the learning-rate schedule: " + names)
      .add(warmup_hparams())
      .number("decay_fraction", 0.2, "warmup_stable_decay: linear decay to 0 over this final fraction of the steps");
}

HParamSchema adam_hparams() {
  return HParamSchema()
      .number("one_minus_beta1", "1 - beta1 (first-moment decay)")
      .number("beta2", "second-moment decay")
      .number("weight_decay", "decoupled weight decay");
}

HParamSchema scheduled_adam_hparams() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate of the schedule")
      .add(adam_hparams())
      .add(schedule_hparams())
      .add(gradient_hparams());
}

int64_t schedule_steps(const InitContext& ctx) {
  return static_cast<int64_t>(ctx.hparams.number("step_hint_factor") *
                              static_cast<double>(ctx.workload.spec().step_hint));
}

std::shared_ptr<Schedule> GradientSubmission::make_schedule(const InitContext& ctx) {
  const Hyperparameters& h = ctx.hparams;
  return named_schedule(h.string("schedule"), schedule_steps(ctx), h.number("warmup_factor"),
                        h.number("decay_fraction"));
}

bool GradientSubmission::save_state(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive optimizer(archive.compilation_unit());
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  return true;
}

void GradientSubmission::load_state(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
}

void GradientSubmission::init_optimizer_state(const InitContext& ctx) {
  params_.clear();
  for (const auto& p : ctx.params) params_.push_back(p.tensor);
  optimizer_ = make_optimizer(ctx, params_);
  lr_ = ctx.hparams.has("learning_rate") ? ctx.hparams.number("learning_rate")
                                         : std::numeric_limits<double>::quiet_NaN();
  if (auto schedule = make_schedule(ctx)) schedule_ = std::make_unique<ScheduledLr>(*optimizer_, schedule, lr_);
  label_smoothing_ = ctx.hparams.number("label_smoothing");
  grad_clip_ = ctx.hparams.number("grad_clip");
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
