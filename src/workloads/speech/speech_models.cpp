// The Conformer (AlgoPerf librispeech_conformer) and the DeepSpeech-like bi-LSTM
// (librispeech_deepspeech) CTC encoders, both behind a shared convolutional 4x subsampling.
#include <cmath>

#include "nn/transformer.h"
#include "workloads/speech/speech.h"

namespace trainperf::workload::speech {

namespace {

// Two 3x3 stride-2 convolutions (no padding) and a linear map of channels x mel bins to d_model.
struct SubsamplingImpl : torch::nn::Module {
  SubsamplingImpl(const SubsamplingConfig& c, int64_t num_mels, int64_t d_model) : tanh(c.tanh) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, c.channels, 3).stride(2)));
    conv2 = register_module("conv2",
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(c.channels, c.channels, 3).stride(2)));
    proj = register_module("proj", torch::nn::Linear(c.channels * subsampled_length(num_mels), d_model));
  }
  // x [B, T, M] -> [B, T', d_model]
  torch::Tensor forward(const torch::Tensor& x) {
    auto act = [&](const torch::Tensor& t) { return tanh ? torch::tanh(t) : torch::relu(t); };
    torch::Tensor h = act(conv2->forward(act(conv1->forward(x.unsqueeze(1)))));  // [B, C, T', M']
    h = h.permute({0, 2, 1, 3}).flatten(2);
    return proj->forward(h);
  }
  bool tanh;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Subsampling);

torch::Tensor padding_mask(const Batch& batch, int64_t T, const torch::Device& device) {
  torch::Tensor len = subsampled_lengths(batch.extras.at("input_lengths")).to(device);
  return torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(device)).unsqueeze(0) >=
         len.unsqueeze(1);  // [B, T] true = padding
}

torch::Tensor sinusoids(int64_t T, int64_t d, const torch::TensorOptions& opts) {
  torch::Tensor pos = torch::arange(T, opts).unsqueeze(1);
  torch::Tensor freq = torch::exp(torch::arange(0, d, 2, opts) * (-std::log(10000.0) / d));
  torch::Tensor pe = torch::zeros({T, d}, opts);
  pe.slice(1, 0, d, 2) = torch::sin(pos * freq);
  pe.slice(1, 1, d, 2) = torch::cos(pos * freq).narrow(1, 0, d / 2);
  return pe;
}

struct FeedForwardModuleImpl : torch::nn::Module {
  FeedForwardModuleImpl(int64_t d, int64_t mult, bool gelu, double dropout) : gelu(gelu), dropout(dropout) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    fc1 = register_module("fc1", torch::nn::Linear(d, mult * d));
    fc2 = register_module("fc2", torch::nn::Linear(mult * d, d));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = fc1->forward(norm->forward(x));
    h = gelu ? torch::gelu(h) : torch::silu(h);
    h = torch::dropout(h, dropout, is_training());
    return torch::dropout(fc2->forward(h), dropout, is_training());
  }
  bool gelu;
  double dropout;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(FeedForwardModule);

struct ConvModuleImpl : torch::nn::Module {
  ConvModuleImpl(int64_t d, int64_t kernel, double dropout) : dropout(dropout) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    pointwise1 = register_module("pointwise1", torch::nn::Linear(d, 2 * d));
    depthwise = register_module(
        "depthwise", torch::nn::Conv1d(torch::nn::Conv1dOptions(d, d, kernel).groups(d).padding(kernel / 2)));
    batch_norm = register_module("batch_norm", torch::nn::BatchNorm1d(d));
    pointwise2 = register_module("pointwise2", torch::nn::Linear(d, d));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad) {
    torch::Tensor h = torch::glu(pointwise1->forward(norm->forward(x)), -1);
    h = h.masked_fill(pad.unsqueeze(-1), 0.0);
    h = batch_norm->forward(depthwise->forward(h.transpose(1, 2))).transpose(1, 2);
    h = pointwise2->forward(torch::silu(h));
    return torch::dropout(h, dropout, is_training());
  }
  double dropout;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear pointwise1{nullptr}, pointwise2{nullptr};
  torch::nn::Conv1d depthwise{nullptr};
  torch::nn::BatchNorm1d batch_norm{nullptr};
};
TORCH_MODULE(ConvModule);

struct ConformerBlockImpl : torch::nn::Module {
  ConformerBlockImpl(const ConformerConfig& c, double dropout) : dropout(dropout) {
    ff1 = register_module("ff1", FeedForwardModule(c.d_model, c.ff_multiplier, c.gelu, dropout));
    attention_norm = register_module("attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
    nn::AttentionConfig ac;
    ac.d_model = c.d_model;
    ac.num_heads = c.num_heads;
    attention = register_module("attention", nn::MultiHeadAttention(ac, /*cross_attention=*/false));
    conv = register_module("conv", ConvModule(c.d_model, c.conv_kernel, dropout));
    ff2 = register_module("ff2", FeedForwardModule(c.d_model, c.ff_multiplier, c.gelu, dropout));
    final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& pad) {
    x = x + 0.5 * ff1->forward(x);
    x = x + torch::dropout(attention->forward(attention_norm->forward(x), {}, pad), dropout, is_training());
    x = x + conv->forward(x, pad);
    x = x + 0.5 * ff2->forward(x);
    return final_norm->forward(x);
  }
  double dropout;
  FeedForwardModule ff1{nullptr}, ff2{nullptr};
  torch::nn::LayerNorm attention_norm{nullptr}, final_norm{nullptr};
  nn::MultiHeadAttention attention{nullptr};
  ConvModule conv{nullptr};
};
TORCH_MODULE(ConformerBlock);

class ConformerModel final : public Model {
 public:
  ConformerModel(const ConformerConfig& c, const ModelOptions& o) : input_dropout_(o.aux_dropout_rate) {
    subsampling_ = register_module("subsampling", Subsampling(c.subsampling, c.num_mels, c.d_model));
    for (int64_t i = 0; i < c.num_layers; ++i)
      blocks_.push_back(register_module("block" + std::to_string(i), ConformerBlock(c, o.dropout_rate)));
    head_ = register_module("head", torch::nn::Linear(c.d_model, c.vocab));
  }
  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor h = subsampling_->forward(batch.inputs);
    const int64_t T = h.size(1), d = h.size(2);
    h = h * std::sqrt(static_cast<double>(d)) + sinusoids(T, d, h.options());
    h = torch::dropout(h, input_dropout_, is_training());
    torch::Tensor pad = padding_mask(batch, T, h.device());
    for (auto& b : blocks_) h = b->forward(h, pad);
    return head_->forward(h);
  }

 private:
  double input_dropout_;
  Subsampling subsampling_{nullptr};
  std::vector<ConformerBlock> blocks_;
  torch::nn::Linear head_{nullptr};
};

class LstmModel final : public Model {
 public:
  LstmModel(const LstmConfig& c, const ModelOptions& o) : input_dropout_(o.aux_dropout_rate) {
    subsampling_ = register_module("subsampling", Subsampling(c.subsampling, c.num_mels, c.d_model));
    lstm_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(c.d_model, c.hidden)
                                                        .num_layers(c.num_layers)
                                                        .bidirectional(true)
                                                        .batch_first(true)
                                                        .dropout(c.num_layers > 1 ? o.dropout_rate : 0.0)));
    head_ = register_module("head", torch::nn::Linear(2 * c.hidden, c.vocab));
  }
  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor h = subsampling_->forward(batch.inputs);
    h = torch::dropout(h, input_dropout_, is_training());
    const int64_t T = h.size(1);
    torch::Tensor len = subsampled_lengths(batch.extras.at("input_lengths")).clamp(1, T).cpu();
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(h, len, /*batch_first=*/true, /*enforce_sorted=*/false);
    auto out = std::get<0>(lstm_->forward_with_packed_input(packed));
    h = std::get<0>(torch::nn::utils::rnn::pad_packed_sequence(out, /*batch_first=*/true, 0.0, T));
    return head_->forward(h);
  }

 private:
  double input_dropout_;
  Subsampling subsampling_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Linear head_{nullptr};
};

int64_t subsampling_params(const SubsamplingConfig& s, int64_t mels, int64_t d) {
  const int64_t C = s.channels;
  return (9 * C + C) + (9 * C * C + C) + (C * subsampled_length(mels) * d + d);
}

}  // namespace

ConformerConfig conformer_full_scale() {
  ConformerConfig c;
  c.num_mels = 80;
  c.vocab = 1024;  // AlgoPerf's SentencePiece vocabulary
  c.subsampling.channels = 512;
  c.d_model = 512;
  c.num_layers = 16;
  c.num_heads = 8;
  c.ff_multiplier = 4;
  c.conv_kernel = 31;
  return c;
}

int64_t conformer_param_count(const ConformerConfig& c) {
  const int64_t d = c.d_model, m = c.ff_multiplier, k = c.conv_kernel;
  const int64_t ff = 2 * d + (m * d * d + m * d) + (m * d * d + d);
  const int64_t mhsa = 2 * d + (3 * d * d + 3 * d) + (d * d + d);
  const int64_t conv = 2 * d + (2 * d * d + 2 * d) + (d * k + d) + 2 * d + (d * d + d);
  const int64_t block = 2 * ff + mhsa + conv + 2 * d;
  return subsampling_params(c.subsampling, c.num_mels, d) + c.num_layers * block + (d * c.vocab + c.vocab);
}

LstmConfig lstm_full_scale() {
  LstmConfig c;
  c.num_mels = 80;
  c.vocab = 1024;
  c.subsampling.channels = 512;
  c.d_model = 512;
  c.hidden = 512;
  c.num_layers = 6;
  return c;
}

int64_t lstm_param_count(const LstmConfig& c) {
  const int64_t h = c.hidden;
  int64_t total = subsampling_params(c.subsampling, c.num_mels, c.d_model);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const int64_t in = l == 0 ? c.d_model : 2 * h;
    total += 2 * (4 * h * (in + h) + 8 * h);  // two directions, W_ih, W_hh, b_ih, b_hh
  }
  return total + 2 * h * c.vocab + c.vocab;
}

ModelPtr make_conformer(const ConformerConfig& c, const ModelOptions& options) {
  return std::make_shared<ConformerModel>(c, options);
}
ModelPtr make_lstm(const LstmConfig& c, const ModelOptions& options) {
  return std::make_shared<LstmModel>(c, options);
}

}  // namespace trainperf::workload::speech
