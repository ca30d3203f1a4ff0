#include "metrics/bleu.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace trainperf {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// sacreBLEU's class [\{-\~\[-\` -\&\(-\+\:-\@\/]: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
bool is_split_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

std::vector<std::string> split_tokens(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (is_space(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

using NgramCounts = std::map<std::vector<std::string>, int64_t>;

NgramCounts count_ngrams(const std::vector<std::string>& tokens, int n) {
  NgramCounts counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i)
    ++counts[std::vector<std::string>(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}

}  // namespace

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    matches[n] += other.matches[n];
    totals[n] += other.totals[n];
  }
  hypothesis_length += other.hypothesis_length;
  reference_length += other.reference_length;
  return *this;
}

std::vector<double> BleuStats::to_vector() const {
  std::vector<double> v;
  for (int n = 0; n < kBleuMaxOrder; ++n) v.push_back(static_cast<double>(matches[n]));
  for (int n = 0; n < kBleuMaxOrder; ++n) v.push_back(static_cast<double>(totals[n]));
  v.push_back(static_cast<double>(hypothesis_length));
  v.push_back(static_cast<double>(reference_length));
  return v;
}

BleuStats BleuStats::from_vector(const std::vector<double>& v) {
  if (v.size() != 2 * kBleuMaxOrder + 2) throw std::invalid_argument("BleuStats::from_vector: wrong size");
  BleuStats s;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    s.matches[n] = std::llround(v[n]);
    s.totals[n] = std::llround(v[kBleuMaxOrder + n]);
  }
  s.hypothesis_length = std::llround(v[2 * kBleuMaxOrder]);
  s.reference_length = std::llround(v[2 * kBleuMaxOrder + 1]);
  return s;
}

std::string tokenize_13a(const std::string& input) {
  std::string line = input;
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  line = " " + line + " ";
  // Each step mirrors one regex substitution (leftmost, non-overlapping matches). Bytes stand in
  // for code points: every character tested is ASCII, and a UTF-8 byte >= 0x80 is never a digit.
  std::string a;
  for (char c : line) {
    if (is_split_symbol(c)) {
      a += ' ';
      a += c;
      a += ' ';
    } else {
      a += c;
    }
  }
  std::string b;  // ([^0-9])([\.,]) -> "\1 \2 "
  for (size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && !is_digit(a[i]) && (a[i + 1] == '.' || a[i + 1] == ',')) {
      b += a[i];
      b += ' ';
      b += a[i + 1];
      b += ' ';
      i += 2;
    } else {
      b += a[i++];
    }
  }
  std::string c;  // ([\.,])([^0-9]) -> " \1 \2"
  for (size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && (b[i] == '.' || b[i] == ',') && !is_digit(b[i + 1])) {
      c += ' ';
      c += b[i];
      c += ' ';
      c += b[i + 1];
      i += 2;
    } else {
      c += b[i++];
    }
  }
  std::string d;  // ([0-9])(-) -> "\1 \2 "
  for (size_t i = 0; i < c.size();) {
    if (i + 1 < c.size() && is_digit(c[i]) && c[i + 1] == '-') {
      d += c[i];
      d += " - ";
      i += 2;
    } else {
      d += c[i++];
    }
  }
  std::string out;
  for (const std::string& t : split_tokens(d)) out += (out.empty() ? "" : " ") + t;
  return out;
}

BleuStats bleu_sentence_stats(const std::string& hypothesis, const std::string& reference) {
  const std::vector<std::string> hyp = split_tokens(tokenize_13a(hypothesis));
  const std::vector<std::string> ref = split_tokens(tokenize_13a(reference));
  BleuStats s;
  s.hypothesis_length = static_cast<int64_t>(hyp.size());
  s.reference_length = static_cast<int64_t>(ref.size());
  for (int n = 1; n <= kBleuMaxOrder; ++n) {
    const NgramCounts h = count_ngrams(hyp, n), r = count_ngrams(ref, n);
    for (const auto& [gram, count] : h) {
      s.totals[n - 1] += count;
      const auto it = r.find(gram);
      if (it != r.end()) s.matches[n - 1] += std::min(count, it->second);
    }
  }
  return s;
}

double bleu_score(const BleuStats& s) {
  // sacreBLEU's compute_bleu with smooth_method="exp", effective_order=False.
  bool any_match = false;
  for (int64_t m : s.matches) any_match = any_match || m > 0;
  if (!any_match) return 0.0;  // sacreBLEU stops early: without any match the score is 0
  double log_sum = 0;
  double smooth = 1;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    if (s.totals[n] == 0) return 0.0;  // no n-grams of this order: the precision stays 0
    double precision;
    if (s.matches[n] == 0) {
      smooth *= 2;
      precision = 1.0 / (smooth * static_cast<double>(s.totals[n]));
    } else {
      precision = static_cast<double>(s.matches[n]) / static_cast<double>(s.totals[n]);
    }
    log_sum += std::log(precision);
  }
  double brevity = 1.0;
  if (s.hypothesis_length < s.reference_length)
    brevity = s.hypothesis_length > 0
                  ? std::exp(1.0 - static_cast<double>(s.reference_length) / static_cast<double>(s.hypothesis_length))
                  : 0.0;
  return 100.0 * brevity * std::exp(log_sum / kBleuMaxOrder);
}

double corpus_bleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references) {
  if (hypotheses.size() != references.size())
    throw std::invalid_argument("corpus_bleu: " + std::to_string(hypotheses.size()) + " hypotheses but " +
                                std::to_string(references.size()) + " references");
  BleuStats total;
  for (size_t i = 0; i < hypotheses.size(); ++i) total += bleu_sentence_stats(hypotheses[i], references[i]);
  return bleu_score(total);
}

}  // namespace trainperf
