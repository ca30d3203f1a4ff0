#include "workloads/bible_translate/translation.h"

#include <trainperf/distributed.h>

#include "workloads/registry.h"

#include <gtest/gtest.h>

#include <set>

namespace trainperf {
using namespace trainperf::workload::bible_translate;
namespace {

constexpr int kPad = 0, kEos = 1, kBos = 3;

std::vector<TokenPair> toy_pairs(int n, bool unique_first_token = false) {
  std::vector<TokenPair> pairs;
  for (int i = 0; i < n; ++i) {
    TokenPair p;
    if (unique_first_token) p.source.push_back(100 + i);
    for (int j = 0; j <= i % 5; ++j) p.source.push_back(4 + (i + j) % 10);
    p.source.push_back(kEos);
    for (int j = 0; j <= (i + 2) % 6; ++j) p.target.push_back(4 + (2 * i + j) % 10);
    p.target.push_back(kEos);
    pairs.push_back(p);
  }
  return pairs;
}

TEST(TranslationBatch, PadsShiftsAndWeights) {
  std::vector<TokenPair> pairs = {{{5, 6, kEos}, {7, 8, 9, kEos}}, {{5, kEos}, {7, kEos}}};
  const Batch b = make_translation_batch(pairs, {0, 1}, kBos, kPad);
  EXPECT_TRUE(b.inputs.equal(torch::tensor({5, 6, kEos, 5, kEos, kPad}, torch::kLong).view({2, 3})));
  EXPECT_TRUE(b.targets.equal(torch::tensor({7, 8, 9, kEos, 7, kEos, kPad, kPad}, torch::kLong).view({2, 4})));
  EXPECT_TRUE(b.extras.at("decoder_inputs")
                  .equal(torch::tensor({kBos, 7, 8, 9, kBos, 7, kPad, kPad}, torch::kLong).view({2, 4})));
  EXPECT_TRUE(b.weights.equal(torch::tensor({1, 1, 1, 1, 1, 1, 0, 0}, torch::kFloat).view({2, 4})));
}

TEST(TranslationBatchStream, DeterministicEpochsAndRankSlices) {
  const std::vector<TokenPair> pairs = toy_pairs(100, true);
  TranslationBatchStream a(pairs, 8, 42, {}, kBos, kPad), b(pairs, 8, 42, {}, kBos, kPad);
  TranslationBatchStream other(pairs, 8, 43, {}, kBos, kPad);
  bool differs = false;
  std::set<int64_t> seen;  // each pair's unique first source token
  for (int i = 0; i < 12; ++i) {  // 12 batches of 8 = one epoch of 96 (the ragged 4 dropped)
    const Batch x = a.next(), y = b.next(), z = other.next();
    ASSERT_TRUE(x.inputs.equal(y.inputs));
    differs = differs || !x.inputs.sizes().equals(z.inputs.sizes()) || !x.inputs.equal(z.inputs);
    for (int64_t r = 0; r < x.size(); ++r) seen.insert(x.inputs[r][0].item<int64_t>());
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(seen.size(), 96u);  // one epoch: no pair twice

  // Two ranks see the two halves of the same global batches.
  TranslationBatchStream whole(pairs, 8, 7, {0, 1}, kBos, kPad), r0(pairs, 8, 7, {0, 2}, kBos, kPad),
      r1(pairs, 8, 7, {1, 2}, kBos, kPad);
  for (int i = 0; i < 5; ++i) {
    const Batch w = whole.next(), h0 = r0.next(), h1 = r1.next();
    ASSERT_EQ(h0.size(), 4);
    ASSERT_EQ(h1.size(), 4);
    EXPECT_TRUE(w.targets.narrow(0, 0, 4).narrow(1, 0, h0.targets.size(1)).equal(h0.targets));
    EXPECT_TRUE(w.targets.narrow(0, 4, 4).narrow(1, 0, h1.targets.size(1)).equal(h1.targets));
  }
}

TranslationModelConfig tiny_translation_config() {
  TranslationModelConfig c;
  c.vocab_size = 16;
  c.d_model = 32;
  c.num_heads = 2;
  c.d_ff = 64;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.max_length = 32;
  return c;
}

TEST(TranslationModel, GreedyDecodingAgreesWithTeacherForcedArgmax) {
  torch::manual_seed(3);
  TranslationModel model(tiny_translation_config(), 0.0);
  model.eval();
  const std::vector<TokenPair> pairs = toy_pairs(6);
  const Batch b = make_translation_batch(pairs, {0, 1, 2, 3, 4, 5}, kBos, kPad);
  const auto decoded = greedy_decode(model, b.inputs, 7, kBos, kEos, kPad);
  ASSERT_EQ(decoded.size(), 6u);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < decoded.size(); ++i) {
    EXPECT_LE(decoded[i].size(), 7u);
    // Feeding bos + the decoded prefix back, each position's argmax is the next decoded token.
    std::vector<int64_t> prefix = {kBos};
    for (int id : decoded[i]) prefix.push_back(id);
    Batch one;
    one.inputs = b.inputs.narrow(0, static_cast<int64_t>(i), 1);
    one.extras["decoder_inputs"] = torch::tensor(prefix, torch::kLong).unsqueeze(0);
    const torch::Tensor argmax = model.forward(one).argmax(-1).squeeze(0);
    for (size_t t = 0; t < decoded[i].size(); ++t) EXPECT_EQ(argmax[static_cast<int64_t>(t)].item<int64_t>(), decoded[i][t]);
    // Decoding stopped early only at eos.
    if (decoded[i].size() < 7u)
      EXPECT_EQ(argmax[static_cast<int64_t>(decoded[i].size())].item<int64_t>(), kEos);
  }
}

TEST(TranslationModel, PaddingDoesNotChangeTheResult) {
  torch::manual_seed(4);
  TranslationModel model(tiny_translation_config(), 0.0);
  model.eval();
  torch::NoGradGuard no_grad;
  const std::vector<TokenPair> pairs = toy_pairs(6);
  const Batch alone = make_translation_batch(pairs, {0}, kBos, kPad);      // shortest pair
  const Batch padded = make_translation_batch(pairs, {0, 4}, kBos, kPad);  // padded next to a longer one
  const torch::Tensor a = model.forward(alone)[0];
  const torch::Tensor p = model.forward(padded)[0].narrow(0, 0, a.size(0));
  EXPECT_TRUE(torch::allclose(a, p, 1e-5, 1e-5)) << (a - p).abs().max();
}

TEST(TranslationModel, LearnsToTranslateAToyCorpus) {
  // Overfits 8 pairs: teacher-forced loss falls and greedy decoding reproduces the targets.
  torch::manual_seed(5);
  TranslationModel model(tiny_translation_config(), 0.0);
  const std::vector<TokenPair> pairs = toy_pairs(8);
  const Batch b = make_translation_batch(pairs, {0, 1, 2, 3, 4, 5, 6, 7}, kBos, kPad);
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    const torch::Tensor logits = model.forward(b);
    const torch::Tensor nll = torch::nn::functional::cross_entropy(
        logits.reshape({-1, 16}), b.targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kPad));
    nll.backward();
    opt.step();
    if (step == 0) first = nll.item<double>();
    last = nll.item<double>();
  }
  EXPECT_LT(last, 0.05 * first);
  model.eval();
  const auto decoded = greedy_decode(model, b.inputs, 10, kBos, kEos, kPad);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const std::vector<int64_t> want(pairs[i].target.begin(), pairs[i].target.end() - 1);  // without eos
    EXPECT_EQ(std::vector<int64_t>(decoded[i].begin(), decoded[i].end()), want) << "pair " << i;
  }
}

TEST(BibleTranslateWorkload, RegisteredWithVariantsAndDataset) {
  for (const char* name : {"bible_translate", "bible_translate_glu_tanh", "bible_translate_post_ln"}) {
    const WorkloadEntry& e = workloads().find(name);
    ASSERT_EQ(e.datasets.size(), 1u) << name;
    EXPECT_EQ(e.datasets[0].name, "bible_en_es") << name;
    const auto w = e.make();
    EXPECT_EQ(w->spec().target_metric, "bleu");
    EXPECT_EQ(w->spec().goal, Goal::Maximize);
    if (std::string(name) != "bible_translate") EXPECT_EQ(w->spec().base_workload, "bible_translate");
  }
}

}  // namespace
}  // namespace trainperf
