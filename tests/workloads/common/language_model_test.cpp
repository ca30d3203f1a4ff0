// The language-model pieces on synthetic token streams: loss and metrics against hand-computed
// values, evaluation windows, the training stream (seeding, sharding), causality of the whole
// model, parameter kinds, and learning a periodic sequence.
#include <gtest/gtest.h>

#include <trainperf/distributed.h>

#include <cmath>

#include "data/token_ids.h"
#include "workloads/common/language_model.h"

using namespace trainperf;

namespace {

LanguageModelConfig tiny_lm_config(int64_t vocab) {
  LanguageModelConfig c;
  c.vocab_size = vocab;
  c.context_length = 8;
  c.stack.num_layers = 2;
  c.stack.layer.d_model = 32;
  c.stack.layer.num_heads = 4;
  c.stack.layer.d_ff = 64;
  return c;
}

class SyntheticLm final : public LanguageModelWorkload {
 public:
  SyntheticLm(torch::Tensor train, torch::Tensor val, torch::Tensor test, int64_t vocab, int64_t max_eval_windows = 0)
      : train_(train), val_(val), test_(test), vocab_(vocab) {
    spec_.name = "synthetic_lm";
    config_ = tiny_lm_config(vocab);
    config_.max_eval_windows = max_eval_windows;
  }
  void load_data(const DataOptions& options) override { set_tokens(train_, val_, test_, vocab_, 0, options.device); }

 private:
  torch::Tensor train_, val_, test_;
  int64_t vocab_;
};

// Logits that are all zero: every token has probability 1/V.
class UniformModel final : public Model {
 public:
  explicit UniformModel(int64_t vocab) : vocab_(vocab) {}
  torch::Tensor forward(const Batch& b) override { return torch::zeros({b.inputs.size(0), b.inputs.size(1), vocab_}); }

 private:
  int64_t vocab_;
};

torch::Tensor periodic(int64_t n, int64_t period, int64_t first_id) {
  return torch::arange(n, torch::kLong).remainder(period) + first_id;
}

}  // namespace

TEST(LanguageModel, TokenCrossEntropyByHand) {
  // Two tokens, V = 2. Token 0: logits (0, ln 3) -> p = (1/4, 3/4), target 1. Token 1: weight 0.
  torch::Tensor logits = torch::tensor({0.0, std::log(3.0), 5.0, -5.0}, torch::kDouble).view({1, 2, 2});
  torch::Tensor targets = torch::tensor({1, 1}, torch::kLong).view({1, 2});
  torch::Tensor weights = torch::tensor({1.0, 0.0}, torch::kDouble).view({1, 2});
  LossOutput l = token_cross_entropy(logits, targets, weights, 0.0);
  EXPECT_NEAR(l.summed.item<double>(), -std::log(0.75), 1e-12);
  EXPECT_EQ(l.count.item<double>(), 1.0);
  // Label smoothing 0.1: 0.9 * nll + 0.1 * mean over classes of -log p.
  l = token_cross_entropy(logits, targets, weights, 0.1);
  EXPECT_NEAR(l.summed.item<double>(), 0.9 * -std::log(0.75) + 0.1 * -(std::log(0.25) + std::log(0.75)) / 2, 1e-12);
  // No weights: both tokens count; token 1 has p(1) = e^-5 / (e^5 + e^-5).
  l = token_cross_entropy(logits, targets, {}, 0.0);
  EXPECT_EQ(l.count.item<double>(), 2.0);
  EXPECT_NEAR(l.summed.item<double>(), -std::log(0.75) + std::log1p(std::exp(10.0)), 1e-9);
}

TEST(LanguageModel, EvalWindowsCoverEveryTokenOnce) {
  Batch b = eval_windows(torch::arange(10, torch::kLong) + 5, 4, 0);
  ASSERT_EQ(b.inputs.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(torch::equal(b.inputs.flatten(), torch::tensor({5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 0}, torch::kLong)));
  EXPECT_TRUE(torch::equal(b.targets.flatten(), torch::tensor({6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 0, 0}, torch::kLong)));
  EXPECT_EQ(b.weights.sum().item<double>(), 9.0);  // every token but the first is predicted once
  EXPECT_EQ(b.weights[2][0].item<double>(), 1.0);
  EXPECT_EQ(b.weights[2][1].item<double>(), 0.0);
}

TEST(LanguageModel, UniformModelHasLossLogVAndPerplexityV) {
  const int64_t V = 50;
  SyntheticLm w(periodic(1000, 7, 4), periodic(101, 5, 4), periodic(37, 3, 4), V);
  w.load_data({});
  UniformModel m(V);
  LocalCommunicator comm;
  Metrics val = w.evaluate(m, Split::Validation, comm);
  EXPECT_NEAR(val.at("loss"), std::log(50.0), 1e-6);
  EXPECT_NEAR(val.at("perplexity"), 50.0, 1e-4);
  EXPECT_EQ(val.at("num_examples"), 100);  // 101 tokens, 100 predicted
  EXPECT_EQ(w.evaluate(m, Split::Test, comm).at("num_examples"), 36);
  // eval_train: as many whole training windows as validation has (13 windows of 8).
  EXPECT_EQ(w.evaluate(m, Split::EvalTrain, comm).at("num_examples"), 13 * 8);
  EXPECT_EQ(w.spec().num_validation_examples, 100);
}

// Uniform logits; remembers the first input token of every window it is shown.
class RecordingUniformModel final : public Model {
 public:
  explicit RecordingUniformModel(int64_t vocab) : vocab_(vocab) {}
  torch::Tensor forward(const Batch& b) override {
    for (int64_t i = 0; i < b.inputs.size(0); ++i) first_tokens.push_back(b.inputs[i][0].item<int64_t>());
    return torch::zeros({b.inputs.size(0), b.inputs.size(1), vocab_});
  }
  std::vector<int64_t> first_tokens;

 private:
  int64_t vocab_;
};

TEST(LanguageModel, MaxEvalWindowsTakesEveryKthWindow) {
  // Validation = ids 0..100: 13 windows of 8 (the last holds 4 real targets). At most 4 windows:
  // windows floor(i * 13 / 4) = 0, 3, 6, 9, i.e. the ones starting at tokens 0, 24, 48, 72.
  SyntheticLm w(periodic(1000, 7, 4), torch::arange(101, torch::kLong), torch::arange(37, torch::kLong), 120, 4);
  w.load_data({});
  RecordingUniformModel m(120);
  LocalCommunicator comm;
  Metrics val = w.evaluate(m, Split::Validation, comm);
  EXPECT_EQ(m.first_tokens, (std::vector<int64_t>{0, 24, 48, 72}));
  EXPECT_EQ(val.at("num_examples"), 32);
  EXPECT_NEAR(val.at("loss"), std::log(120.0), 1e-6);
  EXPECT_EQ(w.spec().num_validation_examples, 32);
  // Test has 5 windows (36 targets), more than 4 too: windows 0, 1, 2, 3 (floor(i * 5 / 4)).
  m.first_tokens.clear();
  EXPECT_EQ(w.evaluate(m, Split::Test, comm).at("num_examples"), 32);
  EXPECT_EQ(m.first_tokens, (std::vector<int64_t>{0, 8, 16, 24}));
  // eval_train follows the validation size: 4 whole windows.
  EXPECT_EQ(w.evaluate(m, Split::EvalTrain, comm).at("num_examples"), 32);
}

TEST(LanguageModel, PerplexityIsExpOfLossForARealModel) {
  SyntheticLm w(periodic(1000, 7, 4), periodic(101, 5, 4), periodic(37, 3, 4), 20);
  w.load_data({});
  auto model = w.init_model(1, {});
  LocalCommunicator comm;
  Metrics m = w.evaluate(*model, Split::Validation, comm);
  EXPECT_NEAR(m.at("perplexity"), std::exp(m.at("loss")), 1e-9);
  EXPECT_NEAR(m.at("loss"), std::log(20.0), 0.2);  // small init: close to uniform
}

TEST(LanguageModel, TrainStreamIsSeededShardedAndShifted) {
  torch::Tensor tokens = torch::arange(500, torch::kLong);
  TokenWindowStream a(tokens, 8, 6, 11, {0, 1}), b(tokens, 8, 6, 11, {0, 1}), c(tokens, 8, 6, 12, {0, 1});
  TokenWindowStream r0(tokens, 8, 6, 11, {0, 2}), r1(tokens, 8, 6, 11, {1, 2});
  bool differs = false;
  for (int i = 0; i < 30; ++i) {  // several epochs of 62 windows
    Batch x = a.next(), y = b.next(), z = c.next(), s0 = r0.next(), s1 = r1.next();
    ASSERT_EQ(x.inputs.sizes(), (std::vector<int64_t>{6, 8}));
    EXPECT_TRUE(torch::equal(x.targets, x.inputs + 1));  // targets are the next tokens
    EXPECT_TRUE(torch::equal(x.inputs, y.inputs));
    EXPECT_TRUE(torch::equal(torch::cat({s0.inputs, s1.inputs}), x.inputs));
    differs |= !torch::equal(x.inputs, z.inputs);
  }
  EXPECT_TRUE(differs);
  EXPECT_GT(a.epoch(), 1);
  EXPECT_THROW(TokenWindowStream(tokens, 8, 7, 1, {0, 2}), std::invalid_argument);
}

TEST(LanguageModel, WholeModelIsCausalAndReportsParamKinds) {
  SyntheticLm w(periodic(1000, 7, 4), periodic(101, 5, 4), periodic(37, 3, 4), 20);
  w.load_data({});
  auto model = w.init_model(2, {});
  Batch b;
  b.inputs = torch::randint(20, {2, 8}, torch::kLong);
  torch::Tensor y = w.model_fn(*model, b, ForwardMode::Eval);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 8, 20}));
  Batch b2 = b;
  b2.inputs = b.inputs.clone();
  b2.inputs.select(1, 5).add_(1).remainder_(20);
  torch::Tensor y2 = w.model_fn(*model, b2, ForwardMode::Eval);
  EXPECT_TRUE(torch::allclose(y.narrow(1, 0, 5), y2.narrow(1, 0, 5), 0, 1e-6));
  EXPECT_FALSE(torch::allclose(y.select(1, 5), y2.select(1, 5), 0, 1e-4));

  std::map<std::string, ParamType> kinds;
  for (const auto& p : w.param_infos(*model)) kinds[p.name] = p.type;
  EXPECT_EQ(kinds.at("token_embedding.weight"), ParamType::Embedding);
  EXPECT_EQ(kinds.at("positions.table.weight"), ParamType::Embedding);
  EXPECT_EQ(kinds.at("decoder.layer1.self_attn.qkv.weight"), ParamType::AttentionQKV);
  EXPECT_EQ(kinds.at("decoder.layer1.self_attn.out.weight"), ParamType::AttentionOut);
  EXPECT_EQ(kinds.at("decoder.layer0.ffn.fc1.weight"), ParamType::Weight);
  EXPECT_EQ(kinds.at("decoder.norm.weight"), ParamType::NormScale);
  EXPECT_EQ(kinds.at("decoder.layer0.norm1.bias"), ParamType::NormBias);
  EXPECT_EQ(kinds.size(), 2u + 2 * 12 + 2);  // embeddings, 12 per layer, final norm (tied head)
}

TEST(LanguageModel, LearnsAPeriodicSequence) {
  torch::manual_seed(0);
  SyntheticLm w(periodic(4000, 7, 4), periodic(200, 7, 4), periodic(200, 7, 4), 16);
  w.load_data({});
  auto model = w.init_model(3, {});
  auto stream = w.train_stream(16, 5, {});
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
  LocalCommunicator comm;
  const double before = w.evaluate(*model, Split::Validation, comm).at("loss");
  for (int step = 0; step < 150; ++step) {
    Batch b = stream->next();
    opt.zero_grad();
    w.loss(w.model_fn(*model, b, ForwardMode::Train), b, 0.0).mean().backward();
    opt.step();
  }
  const double after = w.evaluate(*model, Split::Validation, comm).at("loss");
  EXPECT_GT(before, 2.0);
  EXPECT_LT(after, 0.3) << "a period-7 sequence is predictable from one token of context";
}

TEST(TokenIds, RoundTripAndErrors) {
  TokenIds t{300, {0, 1, 299, 17, 256}};
  std::string bytes = serialize_token_ids(t);
  EXPECT_EQ(bytes.size(), 24u + 5 * 4);
  EXPECT_EQ(bytes.substr(0, 8), "TPTOKID1");
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]), 300 % 256);  // little-endian vocabulary size
  TokenIds back = parse_token_ids(bytes, "x.ids");
  EXPECT_EQ(back.vocab_size, 300u);
  EXPECT_EQ(back.ids, t.ids);
  auto error = [](const std::string& b) {
    try {
      parse_token_ids(b, "split.ids");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(bytes.substr(0, 30)).find("split.ids: header says 5 ids (44 bytes) but the file has 30 bytes"),
            std::string::npos)
      << error(bytes.substr(0, 30));
  EXPECT_NE(error("TPTOKID2" + bytes.substr(8)).find("split.ids: not a token-id file"), std::string::npos);
  EXPECT_NE(error("short").find("split.ids: truncated"), std::string::npos);
  std::string corrupt = bytes;
  corrupt[24 + 4 * 2 + 1] = 2;  // 299 -> 299 + 512 * ...: outside the vocabulary
  EXPECT_NE(error(corrupt).find("at position 2 is not below the vocabulary size 300"), std::string::npos) << error(corrupt);
  EXPECT_THROW(serialize_token_ids(TokenIds{10, {10}}), std::invalid_argument);
}
