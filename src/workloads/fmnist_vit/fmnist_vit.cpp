// fmnist_vit: a small Vision Transformer on Fashion-MNIST (AlgoPerf imagenet_vit analog): 7x7 patches
// (16 tokens), learned position embeddings, pre-LN encoder (src/nn/transformer.h), global average
// pooling over tokens (AlgoPerf's ViT pools rather than using a class token), a linear head.
// Sizes are parameters (VitConfig): patch 16, d_model 384, 12 layers, 6 heads, d_ff 1536 is
// AlgoPerf's ViT-S/16. How the target, budget, step hint and eval period were chosen:
// docs/workloads/fmnist_vit.md.
#include <trainperf/seeding.h>

#include "nn/transformer.h"
#include "workloads/common/classification.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::fmnist_vit {

namespace {

struct VitConfig {
  int64_t image_size = 28;
  int64_t patch_size = 7;
  int64_t d_model = 64;
  int64_t num_layers = 4;
  int64_t num_heads = 4;
  int64_t d_ff = 128;
  bool glu = false;    // imagenet_vit_glu's kind
  bool pre_ln = true;  // imagenet_vit_post_ln's kind when false
};

class Vit final : public Model {
 public:
  Vit(const VitConfig& c, double dropout_rate) : dropout_(dropout_rate) {
    const int64_t side = c.image_size / c.patch_size;
    patch_embed_ = register_module(
        "patch_embed", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, c.d_model, c.patch_size).stride(c.patch_size)));
    positions_ = register_module("positions", nn::LearnedPositionalEmbedding(side * side, c.d_model));
    nn::TransformerStackConfig stack;
    stack.num_layers = c.num_layers;
    stack.layer.d_model = c.d_model;
    stack.layer.num_heads = c.num_heads;
    stack.layer.d_ff = c.d_ff;
    stack.layer.activation = nn::Activation::GELU;
    stack.layer.glu = c.glu;
    stack.layer.pre_ln = c.pre_ln;
    stack.layer.dropout = dropout_rate;
    stack.final_norm = true;
    encoder_ = register_module("encoder", nn::TransformerEncoder(stack));
    head_ = register_module("head", torch::nn::Linear(c.d_model, 10));
    // The head starts at zero (AlgoPerf's ViT does the same), so initial logits are uniform.
    torch::NoGradGuard no_grad;
    head_->weight.zero_();
    head_->bias.zero_();
  }

  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor x = patch_embed_->forward(batch.inputs).flatten(2).transpose(1, 2);  // [B, tokens, d]
    x = x + positions_->forward(x.size(1)).unsqueeze(0);
    if (dropout_ > 0) x = torch::dropout(x, dropout_, is_training());
    x = encoder_->forward(x);
    return head_->forward(x.mean(1));
  }

 private:
  double dropout_;
  torch::nn::Conv2d patch_embed_{nullptr};
  nn::LearnedPositionalEmbedding positions_{nullptr};
  nn::TransformerEncoder encoder_{nullptr};
  torch::nn::Linear head_{nullptr};
};

class FmnistVit final : public FashionMnistWorkload {
 public:
  FmnistVit(WorkloadSpec spec, VitConfig config) : config_(std::move(config)) {
    spec_ = std::move(spec);
    augmentation_ = ImageAugmentation{2, true};
    eval_batch_size_ = 250;
  }

  ModelPtr make_model(const ModelOptions& options) override {
    return std::make_shared<Vit>(config_, options.dropout_rate);
  }

 private:
  VitConfig config_;
};

WorkloadSpec vit_spec() {
  WorkloadSpec s;
  s.name = "fmnist_vit";
  s.description =
      "ViT (7x7 patches, d 64, 4 pre-LN layers, 4 heads) on Fashion-MNIST with crop+flip; imagenet_vit analog";
  s.target_metric = "accuracy";
  s.goal = Goal::Maximize;
  s.eval_period_reference_steps = 200;  // ~10 evaluations per budget
  s.reference_batch_size = 128;
  s.num_eval_train_examples = 5000;
  return with_targets(s);  // targets, budget, step hint: targets/fmnist_vit.json
}

// Held-out variant (imagenet_vit_glu's kind): gated (GLU) feed-forward blocks.
WorkloadSpec glu_spec() {
  return held_out_variant(vit_spec(), "glu", "fmnist_vit with GLU feed-forward blocks (held-out variant)");
}

}  // namespace

void register_workloads(WorkloadRegistry& registry) {
  registry.add(
      {"fmnist_vit", vit_spec().description, [] { return std::make_unique<FmnistVit>(vit_spec(), VitConfig{}); }});
  registry.add({"fmnist_vit_glu", glu_spec().description, [] {
                  VitConfig c;
                  c.glu = true;
                  return std::make_unique<FmnistVit>(glu_spec(), c);
                }});
}

}  // namespace trainperf::workload::fmnist_vit
