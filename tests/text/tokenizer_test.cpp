#include "text/tokenizer.h"

#include <trainperf/workload.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trainperf {
namespace {

namespace fs = std::filesystem;

// Normalized text: NFC, single spaces, no leading/trailing spaces.
std::vector<std::string> corpus() {
  return {
      "In the beginning God created the heaven and the earth.",
      "And the earth was without form, and void; and darkness was upon the face of the deep.",
      "And the Spirit of God moved upon the face of the waters.",
      "And God said, Let there be light: and there was light.",
      "And God saw the light, that it was good: and God divided the light from the darkness.",
      "And God called the light Day, and the darkness he called Night.",
      "En el principio crió Dios los cielos y la tierra.",
      "Y la tierra estaba desordenada y vacía, y las tinieblas estaban sobre la haz del abismo.",
      "Y el Espíritu de Dios se movía sobre la haz de las aguas.",
      "Y dijo Dios: Sea la luz: y fué la luz.",
      "Y vió Dios que la luz era buena: y apartó Dios la luz de las tinieblas.",
      "Y llamó Dios á la luz Día, y á las tinieblas llamó Noche: y fué la tarde y la mañana un día.",
  };
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("trainperf_tokenizer_" + std::to_string(::getpid()) + "_" + name)).string();
}

class TokenizerModels : public ::testing::TestWithParam<SubwordModel> {};

TEST_P(TokenizerModels, TrainsAndRoundTrips) {
  TokenizerOptions options;
  options.vocab_size = 100;
  options.model = GetParam();
  const Tokenizer tok = Tokenizer::train(corpus(), options);
  EXPECT_EQ(tok.vocab_size(), 100);
  EXPECT_EQ(tok.piece(tok.pad_id()), "<pad>");
  EXPECT_EQ(tok.piece(tok.eos_id()), "</s>");
  EXPECT_EQ(tok.piece(tok.unk_id()), "<unk>");
  EXPECT_EQ(tok.piece(tok.bos_id()), "<s>");
  size_t chars = 0, ids = 0;
  for (const std::string& s : corpus()) {
    const std::vector<int> enc = tok.encode(s);
    for (int id : enc) {
      EXPECT_GE(id, 4) << s;  // no special ids inside text
      EXPECT_LT(id, 100) << s;
    }
    EXPECT_EQ(tok.decode(enc), s);
    chars += s.size();
    ids += enc.size();
  }
  // Subwords, not characters: frequent words and affixes merge (over 1.5 bytes per piece even with
  // 100 pieces for a dozen sentences).
  EXPECT_LT(ids * 3, chars * 2);
}

TEST_P(TokenizerModels, TrainingIsDeterministic) {
  TokenizerOptions options;
  options.vocab_size = 90;
  options.model = GetParam();
  const Tokenizer a = Tokenizer::train(corpus(), options);
  const Tokenizer b = Tokenizer::train(corpus(), options);
  EXPECT_FALSE(a.bytes().empty());
  EXPECT_EQ(a.bytes(), b.bytes());
  // ...and the options matter.
  options.vocab_size = 80;
  EXPECT_NE(Tokenizer::train(corpus(), options).bytes(), a.bytes());
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, TokenizerModels, ::testing::Values(SubwordModel::Unigram, SubwordModel::Bpe),
                         [](const auto& info) { return info.param == SubwordModel::Bpe ? "bpe" : "unigram"; });

TEST(Tokenizer, SpecialIdsNormalizationAndUnknowns) {
  TokenizerOptions options;
  options.vocab_size = 100;
  const Tokenizer tok = Tokenizer::train(corpus(), options);
  // Whitespace is collapsed and trimmed by the NFKC normalizer.
  EXPECT_EQ(tok.decode(tok.encode("  And God   said ")), "And God said");
  // pad/bos/eos decode to nothing.
  std::vector<int> ids = tok.encode("the light");
  ids.insert(ids.begin(), tok.bos_id());
  ids.push_back(tok.eos_id());
  ids.push_back(tok.pad_id());
  EXPECT_EQ(tok.decode(ids), "the light");
  // A character never seen in training is <unk>.
  const std::vector<int> unk = tok.encode("light \xE2\x98\x83");  // a snowman
  ASSERT_FALSE(unk.empty());
  EXPECT_EQ(unk.back(), tok.unk_id());
  EXPECT_THROW(tok.decode({100}), std::out_of_range);
}

TEST(Tokenizer, SavesAndLoads) {
  TokenizerOptions options;
  options.vocab_size = 100;
  const Tokenizer tok = Tokenizer::train(corpus(), options);
  const std::string path = temp_path("model.spm");
  tok.save(path);
  const Tokenizer loaded = Tokenizer::load(path);
  EXPECT_EQ(loaded.bytes(), tok.bytes());
  for (const std::string& s : corpus()) EXPECT_EQ(loaded.encode(s), tok.encode(s));
  fs::remove(path);
}

void expect_data_error_naming(const std::string& path, const std::string& what) {
  try {
    Tokenizer::load(path);
    FAIL() << "loading " << path << " did not throw";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(Tokenizer, BadModelFilesNameTheFile) {
  expect_data_error_naming(temp_path("missing.spm"), "cannot open");

  const std::string garbage = temp_path("garbage.spm");
  std::ofstream(garbage, std::ios::binary) << "this is not a protobuf \x01\x02\x03";
  expect_data_error_naming(garbage, "not a valid SentencePiece model");

  TokenizerOptions options;
  options.vocab_size = 100;
  const std::string bytes = Tokenizer::train(corpus(), options).bytes();
  const std::string truncated = temp_path("truncated.spm");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_data_error_naming(truncated, "not a valid SentencePiece model");

  const std::string empty = temp_path("empty.spm");
  std::ofstream(empty, std::ios::binary).flush();
  expect_data_error_naming(empty, "not a valid SentencePiece model");
  for (const auto& p : {garbage, truncated, empty}) fs::remove(p);
}

TEST(Tokenizer, RefusesImpossibleVocabulary) {
  TokenizerOptions options;
  options.vocab_size = 100000;  // far more pieces than a dozen sentences hold
  EXPECT_THROW(Tokenizer::train(corpus(), options), std::invalid_argument);
  EXPECT_THROW(Tokenizer::train({}, TokenizerOptions{}), std::invalid_argument);
}

}  // namespace
}  // namespace trainperf
