#include "nn/transformer.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace trainperf::nn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "gelu") return Activation::GELU;
  if (name == "silu") return Activation::SiLU;
  if (name == "tanh") return Activation::Tanh;
  throw std::invalid_argument("unknown activation '" + name + "' (known: relu, gelu, silu, tanh)");
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::ReLU: return "relu";
    case Activation::GELU: return "gelu";
    case Activation::SiLU: return "silu";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}

torch::Tensor activate(const torch::Tensor& x, Activation a) {
  switch (a) {
    case Activation::ReLU: return torch::relu(x);
    case Activation::GELU: return torch::gelu(x);
    case Activation::SiLU: return torch::silu(x);
    case Activation::Tanh: return torch::tanh(x);
  }
  return x;
}

torch::Tensor causal_mask(int64_t length, const torch::Device& device) {
  return torch::ones({length, length}, torch::TensorOptions().dtype(torch::kBool).device(device)).triu(1);
}

namespace {

// Xavier-uniform weights and zero biases (torch.nn.MultiheadAttention's and AlgoPerf wmt's init).
torch::nn::Linear make_linear(int64_t in, int64_t out, bool bias) {
  torch::nn::Linear l(torch::nn::LinearOptions(in, out).bias(bias));
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(l->weight);
  if (bias) l->bias.zero_();
  return l;
}

// The most negative finite value of the scores' dtype: masked keys get zero probability, and a
// row with every key masked becomes uniform instead of NaN.
double lowest_of(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kDouble: return std::numeric_limits<double>::lowest();
    case torch::kHalf: return -65504.0;
    case torch::kBFloat16: return -3.38e38;
    default: return std::numeric_limits<float>::lowest();
  }
}

}  // namespace

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const AttentionConfig& config, bool cross_attention)
    : config_(config), cross_(cross_attention) {
  const int64_t d = config.d_model;
  if (config.num_heads <= 0 || d % config.num_heads != 0)
    throw std::invalid_argument("attention: d_model " + std::to_string(d) + " is not divisible by " +
                                std::to_string(config.num_heads) + " heads");
  if (cross_) {
    q_ = register_module("q", make_linear(d, d, config.bias));
    kv_ = register_module("kv", make_linear(d, 2 * d, config.bias));
  } else if (config.fused_qkv) {
    qkv_ = register_module("qkv", make_linear(d, 3 * d, config.bias));
  } else {
    q_ = register_module("q", make_linear(d, d, config.bias));
    k_ = register_module("k", make_linear(d, d, config.bias));
    v_ = register_module("v", make_linear(d, d, config.bias));
  }
  out_ = register_module("out", make_linear(d, d, config.bias));
}

torch::Tensor MultiHeadAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key_value,
                                              const torch::Tensor& key_padding_mask, bool causal,
                                              const torch::Tensor& attn_mask) {
  if (cross_) {
    if (!key_value.defined()) throw std::invalid_argument("cross-attention needs key_value");
    auto kv = kv_->forward(key_value).chunk(2, -1);
    return attend(heads(q_->forward(query)), heads(kv[0]), heads(kv[1]), key_padding_mask, causal, attn_mask);
  }
  auto [q, k, v] = project_self(query);
  return attend(heads(q), heads(k), heads(v), key_padding_mask, causal, attn_mask);
}

torch::Tensor MultiHeadAttentionImpl::heads(const torch::Tensor& x) const {
  const int64_t H = config_.num_heads;
  return x.view({x.size(0), x.size(1), H, config_.d_model / H}).transpose(1, 2);
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> MultiHeadAttentionImpl::project_self(
    const torch::Tensor& x) {
  if (qkv_) {
    auto qkv = qkv_->forward(x).chunk(3, -1);
    return {qkv[0], qkv[1], qkv[2]};
  }
  return {q_->forward(x), k_->forward(x), v_->forward(x)};
}

torch::Tensor MultiHeadAttentionImpl::forward_incremental(const torch::Tensor& query, KeyValueCache& cache,
                                                          const torch::Tensor& key_value,
                                                          const torch::Tensor& key_padding_mask) {
  if (cross_) {
    if (!cache.keys.defined()) {
      if (!key_value.defined()) throw std::invalid_argument("cross-attention needs key_value");
      auto kv = kv_->forward(key_value).chunk(2, -1);
      cache.keys = heads(kv[0]);
      cache.values = heads(kv[1]);
    }
    return attend(heads(q_->forward(query)), cache.keys, cache.values, key_padding_mask, /*causal=*/false, {});
  }
  auto [q, k, v] = project_self(query);
  cache.keys = cache.keys.defined() ? torch::cat({cache.keys, heads(k)}, 2) : heads(k);
  cache.values = cache.values.defined() ? torch::cat({cache.values, heads(v)}, 2) : heads(v);
  return attend(heads(q), cache.keys, cache.values, key_padding_mask, /*causal=*/true, {});
}

// q [B, H, Tq, dh], k/v [B, H, Tk, dh] -> out-projected [B, Tq, D].
torch::Tensor MultiHeadAttentionImpl::attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                             const torch::Tensor& key_padding_mask, bool causal,
                                             const torch::Tensor& attn_mask) {
  const int64_t B = q.size(0), Tq = q.size(2), Tk = k.size(2), D = config_.d_model, dh = q.size(3);
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(dh)));
  torch::Tensor blocked;
  if (causal) {
    // With Tk > Tq (cached keys) the queries are the last Tq positions.
    blocked = torch::ones({Tq, Tk}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                  .triu(Tk - Tq + 1);
  }
  if (key_padding_mask.defined()) {
    torch::Tensor pad = key_padding_mask.to(torch::kBool).view({B, 1, 1, Tk});
    blocked = blocked.defined() ? blocked.logical_or(pad) : pad;
  }
  if (attn_mask.defined()) {
    torch::Tensor m = attn_mask.to(torch::kBool);
    blocked = blocked.defined() ? blocked.logical_or(m) : m;
  }
  if (blocked.defined()) scores = scores.masked_fill(blocked, lowest_of(scores));
  torch::Tensor probs = torch::softmax(scores, -1);
  if (config_.attention_dropout > 0) probs = torch::dropout(probs, config_.attention_dropout, is_training());
  torch::Tensor ctx = torch::matmul(probs, v).transpose(1, 2).reshape({B, Tq, D});
  return out_->forward(ctx);
}

FeedForwardImpl::FeedForwardImpl(const FeedForwardConfig& config) : config_(config) {
  fc1_ = register_module("fc1", make_linear(config.d_model, config.d_ff, config.bias));
  if (config.glu) gate_ = register_module("gate", make_linear(config.d_model, config.d_ff, config.bias));
  fc2_ = register_module("fc2", make_linear(config.d_ff, config.d_model, config.bias));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = activate(fc1_->forward(x), config_.activation);
  if (gate_) h = h * gate_->forward(x);
  if (config_.activation_dropout > 0) h = torch::dropout(h, config_.activation_dropout, is_training());
  return fc2_->forward(h);
}

AttentionConfig TransformerLayerConfig::attention() const {
  AttentionConfig a;
  a.d_model = d_model;
  a.num_heads = num_heads;
  a.attention_dropout = attention_dropout;
  a.bias = bias;
  a.fused_qkv = fused_qkv;
  return a;
}

FeedForwardConfig TransformerLayerConfig::feed_forward() const {
  FeedForwardConfig f;
  f.d_model = d_model;
  f.d_ff = d_ff;
  f.activation = activation;
  f.glu = glu;
  f.activation_dropout = activation_dropout;
  f.bias = bias;
  return f;
}

namespace {

torch::nn::LayerNorm make_norm(const TransformerLayerConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model}).eps(c.layer_norm_eps));
}

// One residual sublayer: pre-LN x + drop(f(LN(x))), post-LN LN(x + drop(f(x))).
template <typename F>
torch::Tensor residual(const torch::Tensor& x, torch::nn::LayerNorm& norm, bool pre_ln, double dropout,
                       bool training, F&& f) {
  if (pre_ln) return x + torch::dropout(f(norm->forward(x)), dropout, training && dropout > 0);
  return norm->forward(x + torch::dropout(f(x), dropout, training && dropout > 0));
}

}  // namespace

EncoderLayerImpl::EncoderLayerImpl(const TransformerLayerConfig& config) : config_(config) {
  self_attn_ = register_module("self_attn", MultiHeadAttention(config.attention(), /*cross_attention=*/false));
  ffn_ = register_module("ffn", FeedForward(config.feed_forward()));
  norm1_ = register_module("norm1", make_norm(config));
  norm2_ = register_module("norm2", make_norm(config));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask,
                                        bool causal) {
  const bool pre = config_.pre_ln, train = is_training();
  torch::Tensor h = residual(x, norm1_, pre, config_.dropout, train, [&](const torch::Tensor& in) {
    return self_attn_->forward(in, {}, key_padding_mask, causal);
  });
  return residual(h, norm2_, pre, config_.dropout, train,
                  [&](const torch::Tensor& in) { return ffn_->forward(in); });
}

DecoderLayerImpl::DecoderLayerImpl(const TransformerLayerConfig& config) : config_(config) {
  self_attn_ = register_module("self_attn", MultiHeadAttention(config.attention(), /*cross_attention=*/false));
  cross_attn_ = register_module("cross_attn", MultiHeadAttention(config.attention(), /*cross_attention=*/true));
  ffn_ = register_module("ffn", FeedForward(config.feed_forward()));
  norm1_ = register_module("norm1", make_norm(config));
  norm2_ = register_module("norm2", make_norm(config));
  norm3_ = register_module("norm3", make_norm(config));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& memory,
                                        const torch::Tensor& self_padding_mask,
                                        const torch::Tensor& memory_padding_mask) {
  const bool pre = config_.pre_ln, train = is_training();
  torch::Tensor h = residual(x, norm1_, pre, config_.dropout, train, [&](const torch::Tensor& in) {
    return self_attn_->forward(in, {}, self_padding_mask, /*causal=*/true);
  });
  h = residual(h, norm2_, pre, config_.dropout, train, [&](const torch::Tensor& in) {
    return cross_attn_->forward(in, memory, memory_padding_mask);
  });
  return residual(h, norm3_, pre, config_.dropout, train,
                  [&](const torch::Tensor& in) { return ffn_->forward(in); });
}

torch::Tensor DecoderLayerImpl::forward_incremental(const torch::Tensor& x, const torch::Tensor& memory,
                                                    const torch::Tensor& memory_padding_mask,
                                                    DecoderLayerCache& cache) {
  const bool pre = config_.pre_ln, train = is_training();
  torch::Tensor h = residual(x, norm1_, pre, config_.dropout, train, [&](const torch::Tensor& in) {
    return self_attn_->forward_incremental(in, cache.self_attention);
  });
  h = residual(h, norm2_, pre, config_.dropout, train, [&](const torch::Tensor& in) {
    return cross_attn_->forward_incremental(in, cache.cross_attention, memory, memory_padding_mask);
  });
  return residual(h, norm3_, pre, config_.dropout, train,
                  [&](const torch::Tensor& in) { return ffn_->forward(in); });
}

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerStackConfig& config) {
  for (int64_t i = 0; i < config.num_layers; ++i)
    layers_.push_back(register_module("layer" + std::to_string(i), EncoderLayer(config.layer)));
  if (config.final_norm) norm_ = register_module("norm", make_norm(config.layer));
}

torch::Tensor TransformerEncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask,
                                              bool causal) {
  torch::Tensor h = x;
  for (auto& layer : layers_) h = layer->forward(h, key_padding_mask, causal);
  return norm_ ? norm_->forward(h) : h;
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerStackConfig& config) {
  for (int64_t i = 0; i < config.num_layers; ++i)
    layers_.push_back(register_module("layer" + std::to_string(i), DecoderLayer(config.layer)));
  if (config.final_norm) norm_ = register_module("norm", make_norm(config.layer));
}

torch::Tensor TransformerDecoderImpl::forward(const torch::Tensor& x, const torch::Tensor& memory,
                                              const torch::Tensor& self_padding_mask,
                                              const torch::Tensor& memory_padding_mask) {
  torch::Tensor h = x;
  for (auto& layer : layers_) h = layer->forward(h, memory, self_padding_mask, memory_padding_mask);
  return norm_ ? norm_->forward(h) : h;
}

torch::Tensor TransformerDecoderImpl::forward_incremental(const torch::Tensor& x, const torch::Tensor& memory,
                                                          const torch::Tensor& memory_padding_mask,
                                                          std::vector<DecoderLayerCache>& caches) {
  if (caches.empty()) caches.resize(layers_.size());
  if (caches.size() != layers_.size())
    throw std::invalid_argument("decoder: " + std::to_string(caches.size()) + " layer caches for " +
                                std::to_string(layers_.size()) + " layers");
  torch::Tensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i)
    h = layers_[i]->forward_incremental(h, memory, memory_padding_mask, caches[i]);
  return norm_ ? norm_->forward(h) : h;
}

SinusoidalPositionalEmbeddingImpl::SinusoidalPositionalEmbeddingImpl(int64_t max_length, int64_t d_model) {
  const int64_t half = d_model / 2;
  torch::Tensor table = torch::zeros({max_length, d_model});
  if (half > 0) {
    torch::Tensor pos = torch::arange(max_length, torch::kDouble).unsqueeze(1);
    const double scale = half > 1 ? -std::log(10000.0) / static_cast<double>(half - 1) : 0.0;
    torch::Tensor freq = torch::exp(torch::arange(half, torch::kDouble) * scale);
    torch::Tensor angle = pos * freq;
    table.narrow(1, 0, half).copy_(torch::sin(angle));
    table.narrow(1, half, half).copy_(torch::cos(angle));
  }
  table_ = register_buffer("table", table);
}

torch::Tensor SinusoidalPositionalEmbeddingImpl::forward(int64_t length, int64_t offset) {
  if (offset + length > table_.size(0))
    throw std::out_of_range("positional embedding: position " + std::to_string(offset + length - 1) +
                            " beyond max_length " + std::to_string(table_.size(0)));
  return table_.narrow(0, offset, length);
}

LearnedPositionalEmbeddingImpl::LearnedPositionalEmbeddingImpl(int64_t max_length, int64_t d_model,
                                                               double init_std) {
  table_ = register_module("table", torch::nn::Embedding(max_length, d_model));
  torch::NoGradGuard no_grad;
  table_->weight.normal_(0.0, init_std);
}

torch::Tensor LearnedPositionalEmbeddingImpl::forward(int64_t length, int64_t offset) {
  if (offset + length > table_->weight.size(0))
    throw std::out_of_range("positional embedding: position " + std::to_string(offset + length - 1) +
                            " beyond max_length " + std::to_string(table_->weight.size(0)));
  return table_->weight.narrow(0, offset, length);
}

}  // namespace trainperf::nn
