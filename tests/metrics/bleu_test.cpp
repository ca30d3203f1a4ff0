#include "metrics/bleu.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace trainperf {
namespace {

TEST(Bleu, HandCheckedExample) {
  // hyp "the cat sat on the mat", ref "the cat is on the mat" (6 tokens each, so no brevity penalty):
  //   1-grams: the x2, cat, on, mat match            5/6
  //   2-grams: "the cat", "on the", "the mat"         3/5
  //   3-grams: "on the mat"                           1/4
  //   4-grams: none of 3 -> exp smoothing, 1/(2*3)    1/6
  //   BLEU = 100 * (5/6 * 3/5 * 1/4 * 1/6)^(1/4) = 100 * (1/48)^(1/4) = 37.9918...
  const BleuStats s = bleu_sentence_stats("the cat sat on the mat", "the cat is on the mat");
  EXPECT_EQ(s.matches, (std::array<int64_t, 4>{5, 3, 1, 0}));
  EXPECT_EQ(s.totals, (std::array<int64_t, 4>{6, 5, 4, 3}));
  EXPECT_NEAR(bleu_score(s), 100.0 * std::pow(1.0 / 48.0, 0.25), 1e-9);
  EXPECT_NEAR(bleu_score(s), 37.9918, 1e-4);

  // Brevity: "is on the mat" is a 4-token exact substring of the 6-token reference: all precisions
  // are 1, BP = exp(1 - 6/4) = exp(-0.5) -> 60.653.
  EXPECT_NEAR(corpus_bleu({"is on the mat"}, {"the cat is on the mat"}), 100.0 * std::exp(-0.5), 1e-9);
  // A perfect match is 100; fewer than 4 tokens means no 4-grams, and BLEU 0.
  EXPECT_NEAR(corpus_bleu({"Y lloró Jesús."}, {"Y lloró Jesús."}), 100.0, 1e-9);
  EXPECT_EQ(corpus_bleu({"on the mat"}, {"on the mat"}), 0.0);
  // Clipping: "the the the the" against a reference with two "the"s matches 2 unigrams, not 4.
  EXPECT_EQ(bleu_sentence_stats("the the the the", "the cat the mat").matches[0], 2);
}

TEST(Bleu, CorpusStatisticsAreSums) {
  // Corpus BLEU is not the mean of sentence BLEUs: statistics are summed first.
  const std::vector<std::string> hyp = {"the cat sat on the mat", "is on the mat"};
  const std::vector<std::string> ref = {"the cat is on the mat", "the cat is on the mat"};
  BleuStats sum = bleu_sentence_stats(hyp[0], ref[0]);
  sum += bleu_sentence_stats(hyp[1], ref[1]);
  EXPECT_DOUBLE_EQ(corpus_bleu(hyp, ref), bleu_score(sum));
  EXPECT_EQ(BleuStats::from_vector(sum.to_vector()).matches, sum.matches);
  EXPECT_EQ(BleuStats::from_vector(sum.to_vector()).reference_length, 12);
  EXPECT_THROW(corpus_bleu({"a"}, {}), std::invalid_argument);
}

// Values from tests/golden/bleu/make_bleu_golden.py, an independent Python implementation of the
// 13a tokenizer (sacreBLEU's regular expressions) and of sacreBLEU's corpus BLEU.
TEST(Bleu, MatchesPythonReference) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/bleu/bleu_golden.json");
  ASSERT_TRUE(in) << "missing tests/golden/bleu/bleu_golden.json";
  const nlohmann::json golden = nlohmann::json::parse(in);
  for (const auto& [input, expected] : golden.at("tokenize").items())
    EXPECT_EQ(tokenize_13a(input), expected.get<std::string>()) << input;
  ASSERT_GE(golden.at("corpora").size(), 5u);
  for (const auto& [name, c] : golden.at("corpora").items()) {
    const auto hyps = c.at("hypotheses").get<std::vector<std::string>>();
    const auto refs = c.at("references").get<std::vector<std::string>>();
    BleuStats s;
    for (size_t i = 0; i < hyps.size(); ++i) s += bleu_sentence_stats(hyps[i], refs[i]);
    EXPECT_EQ(std::vector<int64_t>(s.matches.begin(), s.matches.end()), c.at("matches").get<std::vector<int64_t>>())
        << name;
    EXPECT_EQ(std::vector<int64_t>(s.totals.begin(), s.totals.end()), c.at("totals").get<std::vector<int64_t>>())
        << name;
    EXPECT_EQ(s.hypothesis_length, c.at("hypothesis_length").get<int64_t>()) << name;
    EXPECT_EQ(s.reference_length, c.at("reference_length").get<int64_t>()) << name;
    EXPECT_NEAR(corpus_bleu(hyps, refs), c.at("bleu").get<double>(), 1e-9) << name;
  }
}

}  // namespace
}  // namespace trainperf
