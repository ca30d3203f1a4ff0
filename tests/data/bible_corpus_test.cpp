#include "data/bible_corpus.h"

#include "data/dataset_cache.h"
#include "data/ztext_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace trainperf {
namespace {

namespace fs = std::filesystem;
using fixtures::FixtureVerse;

class BibleCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("trainperf_bible_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    for (const char* d : {"kjv", "rv", "out1", "out2"}) fs::create_directories(root_ / d);
    const char* en_words[] = {"light", "water", "earth", "heaven", "darkness", "day", "night", "God"};
    const char* es_words[] = {"luz", "agua", "tierra", "cielo", "tinieblas", "día", "noche", "Dios"};
    std::vector<FixtureVerse> en, es;
    for (int v = 1; v <= 24; ++v) {
      const std::string n = std::to_string(v);
      en.push_back({"Gen", 1, v, "And <w>God</w> saw the " + std::string(en_words[v % 8]) + " " + n + "."});
      es.push_back({"Gen", 1, v, "Y vió <w>Dios</w> la " + std::string(es_words[v % 8]) + " " + n + "."});
    }
    en.push_back({"Gen", 2, 1, "Thus the heavens were finished."});  // missing in Spanish: dropped
    for (int v = 1; v <= 3; ++v) {
      en.push_back({"Acts", 1, v, "The former treatise " + std::to_string(v) + "."});
      es.push_back({"Acts", 1, v, "En el primer tratado " + std::to_string(v) + "."});
      en.push_back({"John", 3, 15 + v, "For God so loved the world " + std::to_string(v) + "."});
      es.push_back({"John", 3, 15 + v, "Porque de tal manera amó Dios al mundo " + std::to_string(v) + "."});
    }
    es.push_back({"Rev", 22, 21, "Amén."});  // missing in English: dropped
    fixtures::write_kjv_module((root_ / "kjv").string(), en);
    fixtures::write_kjv_module((root_ / "rv").string(), es);
    source_.english_module = (root_ / "kjv").string();
    source_.spanish_module = (root_ / "rv").string();
    source_.tokenizer.vocab_size = 50;  // the fixture text allows at most 57
  }
  void TearDown() override { fs::remove_all(root_); }

  nlohmann::json build(const std::string& out) {
    PrepareContext ctx;
    ctx.out_dir = (root_ / out).string();
    return build_bible_corpus(source_, ctx);
  }

  fs::path root_;
  BibleCorpusSource source_;
};

TEST_F(BibleCorpusTest, SplitsByBookAndDropsHalfEmptyPairs) {
  const nlohmann::json summary = build("out1");
  EXPECT_EQ(summary.at("train_pairs"), 24);
  EXPECT_EQ(summary.at("validation_pairs"), 3);
  EXPECT_EQ(summary.at("test_pairs"), 3);
  EXPECT_EQ(summary.at("dropped_verses"), 31102 - 30);
  EXPECT_EQ(summary.at("vocab_size"), 50);

  const BibleCorpus c = load_bible_corpus((root_ / "out1").string());
  ASSERT_EQ(c.train.size(), 24u);
  EXPECT_EQ(c.train[0].book, "Gen");
  EXPECT_EQ(c.train[0].chapter, 1);
  EXPECT_EQ(c.train[0].verse, 1);
  EXPECT_EQ(c.train[0].english, "And God saw the water 1.");
  EXPECT_EQ(c.train[0].spanish, "Y vió Dios la agua 1.");
  ASSERT_EQ(c.validation.size(), 3u);
  EXPECT_EQ(c.validation[2].book, "Acts");
  EXPECT_EQ(c.validation[2].english, "The former treatise 3.");
  ASSERT_EQ(c.test.size(), 3u);
  EXPECT_EQ(c.test[0].book, "John");
  EXPECT_EQ(c.test[0].verse, 16);
  EXPECT_EQ(c.test[0].spanish, "Porque de tal manera amó Dios al mundo 1.");
  // The vocabulary comes from the training split: training text round-trips.
  for (const BiblePair& p : c.train) EXPECT_EQ(c.tokenizer.decode(c.tokenizer.encode(p.spanish)), p.spanish);
}

TEST_F(BibleCorpusTest, PreparingTwiceGivesIdenticalFiles) {
  build("out1");
  build("out2");
  for (const char* f : {"tokenizer.model", "train.tsv", "validation.tsv", "test.tsv"}) {
    const std::string a = read_file((root_ / "out1" / f).string()), b = read_file((root_ / "out2" / f).string());
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, b) << f;
  }
}

TEST_F(BibleCorpusTest, RecordsSourcesAndNamesMissingPackages) {
  PrepareContext ctx;
  ctx.out_dir = (root_ / "out1").string();
  build_bible_corpus(source_, ctx);
  EXPECT_EQ(ctx.sources.size(), 12u);  // {ot,nt}.{bzs,bzv,bzz} of both modules
  fs::remove(root_ / "rv" / "nt.bzz");
  try {
    build("out2");
    FAIL() << "no error for a missing module file";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("nt.bzz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sword-text-sparv"), std::string::npos) << e.what();
  }
}

TEST_F(BibleCorpusTest, MalformedFilesAreNamedWithTheLine) {
  build("out1");
  const std::string path = (root_ / "out1" / "validation.tsv").string();
  auto expect_error = [&](const std::string& content, const std::string& what) {
    write_file(path, content);
    try {
      load_bible_corpus((root_ / "out1").string());
      FAIL() << "no error for " << content;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  const std::string good = "Acts\t1\t1\tThe former treatise.\tEn el primer tratado.\n";
  expect_error(good + "Acts\t1\t2\tonly four fields\n", "expected 5 tab-separated fields");
  expect_error(good + "Tobit\t1\t2\ta\tb\n", "unknown book 'Tobit'");
  expect_error(good + "Acts\tone\t2\ta\tb\n", "'one' is not a chapter or verse number");
  expect_error(good + "Acts\t1\t2\t\tb\n", "empty sentence");
}

// The installed modules: the real split sizes (skipped where the packages are missing).
TEST(BibleCorpusInstalled, SplitSizes) {
  const BibleCorpusSource source;
  if (!fs::exists(source.english_module + "/nt.bzv") || !fs::exists(source.spanish_module + "/nt.bzv"))
    GTEST_SKIP() << "sword-text-kjv / sword-text-sparv not installed";
  const std::vector<Verse> en = read_ztext_bible(source.english_module);
  size_t acts = 0, john = 0;
  for (const Verse& v : en) {
    acts += v.book == kjv_book_index("Acts");
    john += v.book == kjv_book_index("John");
  }
  EXPECT_EQ(acts, 1007u);
  EXPECT_EQ(john, 879u);
}

}  // namespace
}  // namespace trainperf
