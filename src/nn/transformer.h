// Transformer building blocks shared by the text and vision workloads: multi-head attention
// (self or cross, fused or separate projections, causal and key-padding masks), the feed-forward
// block (activation choice, optional GLU), encoder and decoder layers with a pre-/post-LN switch,
// encoder/decoder stacks, sinusoidal and learned positional embeddings.
//
// Layout conventions: batch first, [batch, time, d_model]; masks are bool with true = blocked
// (torch.nn.MultiheadAttention's convention). Every size is a config field, so AlgoPerf's
// full-scale models (wmt: 6+6 layers, d_model 1024, 16 heads, d_ff 4096; ViT-S/16: 12 layers,
// d_model 384, 6 heads, d_ff 1536) are configurations of the same code.
//
// Parameter kinds: nn/param_types.cpp maps the Linear layers inside an attention module to
// attention_qkv (q/k/v/kv/qkv projections) or attention_out (out), every bias to bias, LayerNorm
// to norm_scale/norm_bias, Embedding (learned positions) to embedding.
#pragma once

#include <torch/torch.h>

#include <string>

namespace trainperf::nn {

enum class Activation { ReLU, GELU, SiLU, Tanh };
Activation parse_activation(const std::string& name);  // "relu", "gelu", "silu", "tanh"
const char* to_string(Activation a);
torch::Tensor activate(const torch::Tensor& x, Activation a);

struct AttentionConfig {
  int64_t d_model = 128;
  int64_t num_heads = 4;
  double attention_dropout = 0.0;  // on the attention probabilities
  bool bias = true;
  // Self-attention: one [3*d_model, d_model] projection "qkv" (torch's in_proj layout: q, k, v
  // stacked) instead of separate "q", "k", "v". Cross-attention always uses "q" and a fused "kv".
  bool fused_qkv = true;
};

// Keys and values kept between incremental decoding steps, [B, heads, T, d_head]. Self-attention
// appends the new positions' keys/values; cross-attention fills it once from the memory.
struct KeyValueCache {
  torch::Tensor keys, values;
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadAttentionImpl(const AttentionConfig& config, bool cross_attention);

  // query [B, Tq, D]; key_value [B, Tk, D] (ignored for self-attention, which uses query).
  // key_padding_mask [B, Tk] bool, true = padding. causal: query i sees keys j <= i.
  // attn_mask: optional bool, broadcastable to [B, heads, Tq, Tk], true = blocked.
  // A query that sees no key attends uniformly instead of producing NaN.
  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key_value = {},
                        const torch::Tensor& key_padding_mask = {}, bool causal = false,
                        const torch::Tensor& attn_mask = {});

  // Incremental decoding: `query` [B, Tq, D] holds the next positions only. Self-attention appends
  // their keys/values to `cache` and lets them see every cached position and each other causally;
  // cross-attention projects `key_value` into `cache` on the first call and reuses it after.
  // Equal to forward(..., causal = true) on the whole prefix for self-attention.
  torch::Tensor forward_incremental(const torch::Tensor& query, KeyValueCache& cache,
                                    const torch::Tensor& key_value = {},
                                    const torch::Tensor& key_padding_mask = {});

  const AttentionConfig& config() const { return config_; }
  bool cross_attention() const { return cross_; }

 private:
  torch::Tensor heads(const torch::Tensor& x) const;  // [B, T, D] -> [B, H, T, dh]
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> project_self(const torch::Tensor& x);
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& key_padding_mask, bool causal, const torch::Tensor& attn_mask);

  AttentionConfig config_;
  bool cross_;
  torch::nn::Linear qkv_{nullptr}, q_{nullptr}, k_{nullptr}, v_{nullptr}, kv_{nullptr}, out_{nullptr};
};
TORCH_MODULE(MultiHeadAttention);

struct FeedForwardConfig {
  int64_t d_model = 128;
  int64_t d_ff = 512;
  Activation activation = Activation::GELU;
  bool glu = false;                 // out = fc2(act(fc1 x) * gate x)
  double activation_dropout = 0.0;  // after the activation (AlgoPerf wmt's relu_dropout)
  bool bias = true;
};

class FeedForwardImpl : public torch::nn::Module {
 public:
  explicit FeedForwardImpl(const FeedForwardConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  FeedForwardConfig config_;
  torch::nn::Linear fc1_{nullptr}, gate_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(FeedForward);

struct TransformerLayerConfig {
  int64_t d_model = 128;
  int64_t num_heads = 4;
  int64_t d_ff = 512;
  Activation activation = Activation::GELU;
  bool glu = false;
  bool pre_ln = true;               // x + f(LN(x)); false: LN(x + f(x))
  double dropout = 0.0;             // residual dropout on each sublayer's output
  double attention_dropout = 0.0;
  double activation_dropout = 0.0;
  double layer_norm_eps = 1e-5;
  bool bias = true;
  bool fused_qkv = true;

  AttentionConfig attention() const;
  FeedForwardConfig feed_forward() const;
};

// Self-attention + feed-forward (also the block of a decoder-only LM, with causal = true).
class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const TransformerLayerConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {},
                        bool causal = false);

 private:
  TransformerLayerConfig config_;
  MultiHeadAttention self_attn_{nullptr};
  FeedForward ffn_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(EncoderLayer);

struct DecoderLayerCache {
  KeyValueCache self_attention, cross_attention;
};

// Causal self-attention + cross-attention to `memory` + feed-forward.
class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const TransformerLayerConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& memory,
                        const torch::Tensor& self_padding_mask = {},
                        const torch::Tensor& memory_padding_mask = {});
  // Incremental decoding of the next positions x [B, Tq, D] (see MultiHeadAttention).
  torch::Tensor forward_incremental(const torch::Tensor& x, const torch::Tensor& memory,
                                    const torch::Tensor& memory_padding_mask, DecoderLayerCache& cache);

 private:
  TransformerLayerConfig config_;
  MultiHeadAttention self_attn_{nullptr}, cross_attn_{nullptr};
  FeedForward ffn_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
};
TORCH_MODULE(DecoderLayer);

struct TransformerStackConfig {
  TransformerLayerConfig layer;
  int64_t num_layers = 2;
  // A final LayerNorm after the last layer ("norm"); the usual choice for pre-LN stacks, where the
  // residual stream is otherwise never normalised.
  bool final_norm = true;
};

class TransformerEncoderImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderImpl(const TransformerStackConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {},
                        bool causal = false);

 private:
  std::vector<EncoderLayer> layers_;
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(TransformerEncoder);

class TransformerDecoderImpl : public torch::nn::Module {
 public:
  explicit TransformerDecoderImpl(const TransformerStackConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& memory,
                        const torch::Tensor& self_padding_mask = {},
                        const torch::Tensor& memory_padding_mask = {});
  // Greedy/beam decoding without recomputing the prefix: x [B, Tq, D] are the next positions'
  // embeddings; `caches` (one per layer, created on the first call) carries the state. The result
  // equals the last Tq positions of forward() on the whole prefix.
  torch::Tensor forward_incremental(const torch::Tensor& x, const torch::Tensor& memory,
                                    const torch::Tensor& memory_padding_mask,
                                    std::vector<DecoderLayerCache>& caches);

 private:
  std::vector<DecoderLayer> layers_;
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(TransformerDecoder);

// Fixed sinusoids (a buffer, not a parameter), AlgoPerf wmt / tensor2tensor layout: the first
// d_model/2 channels are sin(pos * w_i), the next d_model/2 cos(pos * w_i), with
// w_i = 10000^(-i / (d_model/2 - 1)); an odd last channel stays zero.
class SinusoidalPositionalEmbeddingImpl : public torch::nn::Module {
 public:
  SinusoidalPositionalEmbeddingImpl(int64_t max_length, int64_t d_model);
  torch::Tensor forward(int64_t length, int64_t offset = 0);  // [length, d_model]

 private:
  torch::Tensor table_;
};
TORCH_MODULE(SinusoidalPositionalEmbedding);

// A learned table "table.weight" [max_length, d_model], initialised N(0, init_std^2).
class LearnedPositionalEmbeddingImpl : public torch::nn::Module {
 public:
  LearnedPositionalEmbeddingImpl(int64_t max_length, int64_t d_model, double init_std = 0.02);
  torch::Tensor forward(int64_t length, int64_t offset = 0);  // [length, d_model]

 private:
  torch::nn::Embedding table_{nullptr};
};
TORCH_MODULE(LearnedPositionalEmbedding);

// [T, T] bool, true above the diagonal (query i must not see key j > i).
torch::Tensor causal_mask(int64_t length, const torch::Device& device = torch::kCPU);

}  // namespace trainperf::nn
