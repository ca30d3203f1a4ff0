// Transformer blocks: shapes, masks, pre/post-LN, parameter kinds, and outputs against PyTorch's own
// MultiheadAttention / TransformerEncoderLayer / TransformerDecoderLayer
// (tests/golden/nn/gen_transformer.py).
#include <gtest/gtest.h>

#include <fstream>

#include "nn/param_types.h"
#include "nn/transformer.h"

using namespace trainperf;
using namespace trainperf::nn;

namespace {

TransformerLayerConfig small_layer(bool pre_ln = true) {
  TransformerLayerConfig c;
  c.d_model = 16;
  c.num_heads = 4;
  c.d_ff = 32;
  c.pre_ln = pre_ln;
  return c;
}

torch::Tensor from_json(const nlohmann::json& t) {
  auto data = t.at("data").get<std::vector<double>>();
  auto shape = t.at("shape").get<std::vector<int64_t>>();
  return torch::tensor(data, torch::kDouble).view(shape);
}

void load_params(torch::nn::Module& m, const nlohmann::json& params) {
  torch::NoGradGuard no_grad;
  auto named = m.named_parameters();
  ASSERT_EQ(named.size(), params.size()) << "parameter count differs from the golden file";
  for (auto& p : named) {
    ASSERT_TRUE(params.contains(p.key())) << "golden file lacks " << p.key();
    torch::Tensor v = from_json(params.at(p.key()));
    ASSERT_EQ(p.value().sizes(), v.sizes()) << p.key();
    p.value().copy_(v);
  }
}

}  // namespace

TEST(Transformer, ShapesOfEveryBlock) {
  torch::manual_seed(0);
  auto c = small_layer();
  torch::Tensor x = torch::randn({3, 7, 16}), mem = torch::randn({3, 5, 16});
  EXPECT_EQ(MultiHeadAttention(c.attention(), false)->forward(x).sizes(), x.sizes());
  EXPECT_EQ(MultiHeadAttention(c.attention(), true)->forward(x, mem).sizes(), x.sizes());
  EXPECT_EQ(FeedForward(c.feed_forward())->forward(x).sizes(), x.sizes());
  EXPECT_EQ(EncoderLayer(c)->forward(x).sizes(), x.sizes());
  EXPECT_EQ(DecoderLayer(c)->forward(x, mem).sizes(), x.sizes());
  TransformerStackConfig s{c, 3, true};
  EXPECT_EQ(TransformerEncoder(s)->forward(x, {}, true).sizes(), x.sizes());
  EXPECT_EQ(TransformerDecoder(s)->forward(x, mem).sizes(), x.sizes());
  EXPECT_EQ(SinusoidalPositionalEmbedding(32, 16)->forward(7, 2).sizes(), (std::vector<int64_t>{7, 16}));
  EXPECT_EQ(LearnedPositionalEmbedding(32, 16)->forward(7).sizes(), (std::vector<int64_t>{7, 16}));
  EXPECT_THROW(SinusoidalPositionalEmbedding(8, 16)->forward(7, 2), std::out_of_range);
  AttentionConfig bad;
  bad.d_model = 10;
  bad.num_heads = 3;
  EXPECT_THROW(MultiHeadAttention(bad, false), std::invalid_argument);
  EXPECT_THROW(parse_activation("swish"), std::invalid_argument);
  EXPECT_EQ(parse_activation("silu"), Activation::SiLU);
}

TEST(Transformer, CausalMaskBlocksTheFuture) {
  torch::manual_seed(1);
  TransformerEncoder enc(TransformerStackConfig{small_layer(), 2, true});
  enc->eval();
  torch::Tensor x = torch::randn({2, 9, 16});
  torch::Tensor y = enc->forward(x, {}, /*causal=*/true);
  for (int64_t t : {3, 8}) {
    torch::Tensor x2 = x.clone();
    x2.select(1, t).add_(torch::randn({2, 16}) * 5);
    torch::Tensor y2 = enc->forward(x2, {}, true);
    EXPECT_TRUE(torch::allclose(y.narrow(1, 0, t), y2.narrow(1, 0, t), 0, 1e-6)) << "position " << t;
    EXPECT_FALSE(torch::allclose(y.narrow(1, t, 1), y2.narrow(1, t, 1), 0, 1e-3));
  }
  // Without the mask, changing the last token changes the first output.
  torch::Tensor x3 = x.clone();
  x3.select(1, 8).add_(torch::randn({2, 16}) * 5);  // not a constant shift: LayerNorm would remove it
  EXPECT_FALSE(torch::allclose(enc->forward(x, {}, false).select(1, 0), enc->forward(x3, {}, false).select(1, 0),
                               0, 1e-3));
  EXPECT_TRUE(torch::equal(causal_mask(3), torch::tensor({0, 1, 1, 0, 0, 1, 0, 0, 0}).to(torch::kBool).view({3, 3})));
}

TEST(Transformer, PaddedKeysAreIgnored) {
  torch::manual_seed(2);
  auto c = small_layer();
  MultiHeadAttention self(c.attention(), false), cross(c.attention(), true);
  torch::Tensor x = torch::randn({2, 6, 16}), mem = torch::randn({2, 4, 16});
  torch::Tensor pad = torch::zeros({2, 6}, torch::kBool), mem_pad = torch::zeros({2, 4}, torch::kBool);
  pad.index_put_({1, torch::indexing::Slice(4)}, true);
  mem_pad.index_put_({0, 3}, true);
  torch::Tensor x2 = x.clone(), mem2 = mem.clone();
  x2.index({1, torch::indexing::Slice(4)}).normal_();  // garbage in the padding
  mem2.index({0, 3}).normal_();
  // Unpadded queries see the same keys; padded query rows are not compared.
  torch::Tensor y = self->forward(x, {}, pad), y2 = self->forward(x2, {}, pad);
  EXPECT_TRUE(torch::allclose(y.select(0, 0), y2.select(0, 0), 0, 1e-6));
  EXPECT_TRUE(torch::allclose(y.index({1, torch::indexing::Slice(0, 4)}), y2.index({1, torch::indexing::Slice(0, 4)}), 0, 1e-6));
  EXPECT_TRUE(torch::allclose(cross->forward(x, mem, mem_pad), cross->forward(x, mem2, mem_pad), 0, 1e-6));
  EXPECT_FALSE(torch::allclose(cross->forward(x, mem), cross->forward(x, mem2), 0, 1e-4));
  // A query that sees no key at all (every key padded) stays finite.
  torch::Tensor all = torch::ones({2, 4}, torch::kBool);
  EXPECT_TRUE(torch::isfinite(cross->forward(x, mem, all)).all().item<bool>());
}

TEST(Transformer, PreAndPostLayerNormDiffer) {
  torch::Tensor x = torch::randn({2, 5, 16});
  torch::manual_seed(3);
  EncoderLayer pre(small_layer(true));
  torch::manual_seed(3);
  EncoderLayer post(small_layer(false));
  // Same weights (same seed), different wiring.
  for (size_t i = 0; i < pre->parameters().size(); ++i)
    ASSERT_TRUE(torch::equal(pre->parameters()[i], post->parameters()[i]));
  torch::Tensor a = pre->forward(x), b = post->forward(x);
  EXPECT_FALSE(torch::allclose(a, b, 0, 1e-3));
  // Post-LN output is normalised per position (unit gain, zero bias at init); pre-LN's is not.
  EXPECT_TRUE(torch::allclose(b.mean(-1), torch::zeros({2, 5}), 0, 1e-5));
  EXPECT_FALSE(torch::allclose(a.mean(-1), torch::zeros({2, 5}), 0, 1e-3));
}

TEST(Transformer, DropoutOnlyInTraining) {
  auto c = small_layer();
  c.dropout = 0.3;
  c.attention_dropout = 0.3;
  c.activation_dropout = 0.3;
  torch::manual_seed(4);
  EncoderLayer layer(c);
  torch::Tensor x = torch::randn({2, 5, 16});
  layer->eval();
  EXPECT_TRUE(torch::equal(layer->forward(x), layer->forward(x)));
  layer->train();
  EXPECT_FALSE(torch::allclose(layer->forward(x), layer->forward(x)));
}

TEST(Transformer, GluAddsAGateAndActivationsDiffer) {
  FeedForwardConfig f;
  f.d_model = 8;
  f.d_ff = 16;
  FeedForward plain(f);
  f.glu = true;
  FeedForward glu(f);
  EXPECT_EQ(plain->named_parameters().size(), 4u);
  EXPECT_EQ(glu->named_parameters().size(), 6u);
  EXPECT_TRUE(glu->named_parameters().contains("gate.weight"));
  torch::Tensor x = torch::randn({3, 8});
  for (Activation a : {Activation::ReLU, Activation::GELU, Activation::SiLU, Activation::Tanh}) {
    torch::Tensor expect = a == Activation::ReLU   ? x.clamp_min(0)
                           : a == Activation::Tanh ? x.tanh()
                           : a == Activation::SiLU ? x * x.sigmoid()
                                                   : 0.5 * x * (1 + torch::erf(x / std::sqrt(2.0)));
    EXPECT_TRUE(torch::allclose(activate(x, a), expect, 1e-5, 1e-6)) << to_string(a);
  }
}

TEST(Transformer, SinusoidalTableMatchesTheFormula) {
  SinusoidalPositionalEmbedding pe(50, 8);
  torch::Tensor t = pe->forward(50);
  // Position 0: sin 0 = 0 in the first half, cos 0 = 1 in the second.
  EXPECT_TRUE(torch::equal(t[0], torch::tensor({0.f, 0.f, 0.f, 0.f, 1.f, 1.f, 1.f, 1.f})));
  // w_i = 10000^(-i/3): channel 1 at position 7 is sin(7 * 10000^(-1/3)), channel 7 is cos(7 * 10000^-1).
  EXPECT_NEAR(t[7][1].item<double>(), std::sin(7 * std::pow(10000.0, -1.0 / 3)), 1e-6);
  EXPECT_NEAR(t[7][7].item<double>(), std::cos(7 * 1e-4), 1e-6);
  EXPECT_TRUE(pe->parameters().empty());  // a buffer, nothing to train
  EXPECT_TRUE(torch::equal(pe->forward(3, 5), t.narrow(0, 5, 3)));
}

TEST(Transformer, ParameterKinds) {
  auto c = small_layer();
  c.fused_qkv = false;
  DecoderLayer layer(c);
  std::map<std::string, ParamType> kinds;
  for (const auto& p : infer_param_types(*layer)) kinds[p.name] = p.type;
  EXPECT_EQ(kinds.at("self_attn.q.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("self_attn.k.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("self_attn.v.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("self_attn.q.bias"), ParamType::Bias);
  EXPECT_EQ(kinds.at("self_attn.out.weight"), ParamType::AttentionOut);
  EXPECT_EQ(kinds.at("self_attn.out.bias"), ParamType::Bias);
  EXPECT_EQ(kinds.at("cross_attn.kv.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("cross_attn.q.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("ffn.fc1.weight"), ParamType::Weight);
  EXPECT_EQ(kinds.at("ffn.fc2.bias"), ParamType::Bias);
  EXPECT_EQ(kinds.at("norm3.weight"), ParamType::NormScale);
  EXPECT_EQ(kinds.at("norm3.bias"), ParamType::NormBias);
  EXPECT_EQ(kinds.size(), 24u);

  // A fused encoder stack with learned positions, and torch's own MultiheadAttention.
  struct Net : torch::nn::Module {
    Net() {
      register_module("pos", LearnedPositionalEmbedding(16, 8));
      register_module("enc", TransformerEncoder(TransformerStackConfig{[] {
                        TransformerLayerConfig l;
                        l.d_model = 8;
                        l.num_heads = 2;
                        return l;
                      }(), 1, true}));
      register_module("mha", torch::nn::MultiheadAttention(8, 2));
    }
  };
  auto net = std::make_shared<Net>();
  kinds.clear();
  for (const auto& p : infer_param_types(*net)) kinds[p.name] = p.type;
  EXPECT_EQ(kinds.at("pos.table.weight"), ParamType::Embedding);
  EXPECT_EQ(kinds.at("enc.layer0.self_attn.qkv.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("enc.layer0.self_attn.out.weight"), ParamType::AttentionOut);
  EXPECT_EQ(kinds.at("enc.norm.weight"), ParamType::NormScale);
  EXPECT_EQ(kinds.at("mha.in_proj_weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("mha.in_proj_bias"), ParamType::Bias);  // 1-D: no matrix method may touch it
  EXPECT_EQ(kinds.at("mha.out_proj.weight"), ParamType::AttentionOut);
  EXPECT_EQ(kinds.at("mha.out_proj.bias"), ParamType::Bias);
}

TEST(Transformer, MatchesPyTorchModules) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/nn/transformer.json");
  ASSERT_TRUE(in.good()) << "missing tests/golden/nn/transformer.json";
  const auto g = nlohmann::json::parse(in);
  const int64_t D = g.at("d_model"), H = g.at("num_heads");
  int checked = 0;
  for (const auto& c : g.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    torch::Tensor x = from_json(c.at("query")), expect = from_json(c.at("output"));
    torch::Tensor pad = from_json(c.at("key_padding_mask")).to(torch::kBool);
    torch::Tensor y;
    const std::string kind = c.at("kind");
    if (kind == "attention") {
      AttentionConfig a;
      a.d_model = D;
      a.num_heads = H;
      a.fused_qkv = c.at("fused_qkv");
      MultiHeadAttention m(a, c.at("cross").get<bool>());
      m->to(torch::kDouble);
      load_params(*m, c.at("params"));
      y = c.at("cross").get<bool>() ? m->forward(x, from_json(c.at("key_value")), pad)
                                    : m->forward(x, {}, pad, c.at("causal").get<bool>());
    } else {
      TransformerLayerConfig l;
      l.d_model = D;
      l.num_heads = H;
      l.d_ff = c.at("d_ff");
      l.pre_ln = c.at("pre_ln");
      l.activation = parse_activation(c.at("activation"));
      if (kind == "encoder") {
        EncoderLayer m(l);
        m->to(torch::kDouble);
        load_params(*m, c.at("params"));
        y = m->forward(x, pad, c.at("causal").get<bool>());
      } else {
        DecoderLayer m(l);
        m->to(torch::kDouble);
        load_params(*m, c.at("params"));
        y = m->forward(x, from_json(c.at("key_value")), pad,
                       from_json(c.at("memory_padding_mask")).to(torch::kBool));
      }
    }
    ASSERT_EQ(y.sizes(), expect.sizes());
    EXPECT_LT((y - expect).abs().max().item<double>(), 1e-10);
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// Incremental decoding with key/value caches gives the same outputs as running the decoder on the
// whole prefix with a causal mask: pre- and post-LN, fused and separate q/k/v, padded memory,
// one position per call and then two at once.
TEST(Transformer, IncrementalDecodingMatchesTheFullPrefix) {
  for (bool pre_ln : {true, false})
    for (bool fused : {true, false}) {
      torch::manual_seed(7);
      TransformerStackConfig c;
      c.layer = small_layer(pre_ln);
      c.layer.fused_qkv = fused;
      c.num_layers = 2;
      c.final_norm = pre_ln;
      TransformerDecoder decoder(c);
      decoder->eval();
      const torch::Tensor x = torch::randn({3, 6, 16}), memory = torch::randn({3, 5, 16});
      torch::Tensor memory_padding = torch::zeros({3, 5}, torch::kBool);
      memory_padding[1].narrow(0, 3, 2).fill_(true);
      const torch::Tensor full = decoder->forward(x, memory, {}, memory_padding);

      std::vector<DecoderLayerCache> caches;
      std::vector<torch::Tensor> pieces;
      for (int64_t t = 0; t < 4; ++t)
        pieces.push_back(decoder->forward_incremental(x.narrow(1, t, 1), memory, memory_padding, caches));
      pieces.push_back(decoder->forward_incremental(x.narrow(1, 4, 2), memory, memory_padding, caches));
      ASSERT_EQ(caches.size(), 2u);
      EXPECT_EQ(caches[0].self_attention.keys.size(2), 6);
      EXPECT_EQ(caches[1].cross_attention.keys.size(2), 5);
      const torch::Tensor incremental = torch::cat(pieces, 1);
      EXPECT_TRUE(torch::allclose(incremental, full, 1e-5, 1e-5))
          << "pre_ln " << pre_ln << " fused " << fused << ": max difference "
          << (incremental - full).abs().max().item<double>();
    }
}
