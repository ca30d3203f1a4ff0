// Corpus BLEU as sacreBLEU computes it by default (BLEU|nrefs:1|case:mixed|eff:no|tok:13a|
// smooth:exp): mteval-v13a tokenization, n-grams up to 4, clipped counts summed over the corpus,
// brevity penalty, geometric mean of the precisions. Smoothing ("exp", as sacreBLEU's default and
// mteval's): the k-th n-gram order with no match counts as 1 / 2^k matches instead of 0.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace trainperf {

constexpr int kBleuMaxOrder = 4;

// Sufficient statistics: summing them over sentences (or ranks) and scoring the sum is corpus BLEU.
struct BleuStats {
  std::array<int64_t, kBleuMaxOrder> matches{};  // clipped n-gram matches, n = 1..4
  std::array<int64_t, kBleuMaxOrder> totals{};   // hypothesis n-grams
  int64_t hypothesis_length = 0;                 // tokens
  int64_t reference_length = 0;

  BleuStats& operator+=(const BleuStats& other);
  std::vector<double> to_vector() const;  // for all-reduce: 2 * 4 + 2 values
  static BleuStats from_vector(const std::vector<double>& v);
};

// mteval-v13a tokenization (sacreBLEU's TokenizerV13a): punctuation and symbols split off, periods
// and commas split unless next to digits, dashes after digits split. Whitespace is ASCII.
std::string tokenize_13a(const std::string& line);

BleuStats bleu_sentence_stats(const std::string& hypothesis, const std::string& reference);
// 0..100.
double bleu_score(const BleuStats& stats);
double corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references);

}  // namespace trainperf
