// The austen dataset built from the installed r-cran-janeaustenr: the split by novel, and the
// determinism the cache relies on (the same package gives byte-identical files, so the manifest's
// checksums identify a build).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/dataset_cache.h"
#include "data/token_ids.h"
#include "workloads/austen_lm/austen_lm.h"

namespace trainperf {
using namespace trainperf::workload::austen_lm;
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AustenDataset, PreparingTwiceGivesIdenticalFilesSplitByNovel) {
  if (!fs::exists("/usr/lib/R/site-library/janeaustenr") || !fs::exists("/usr/bin/Rscript"))
    GTEST_SKIP() << "r-cran-janeaustenr / r-base-core not installed";
  const fs::path root = fs::temp_directory_path() / ("trainperf_austen_" + std::to_string(::getpid()));
  fs::remove_all(root);
  nlohmann::json summary[2];
  for (int i = 0; i < 2; ++i) {
    PrepareContext ctx;
    ctx.out_dir = (root / std::to_string(i)).string();
    ctx.log = [](const std::string&) {};
    fs::create_directories(ctx.out_dir);
    summary[i] = build_austen_dataset(ctx);
  }
  for (const char* f : {"austen_books.tsv", "tokenizer.model", "train.ids", "validation.ids", "test.ids"}) {
    const std::string a = file_bytes(root / "0" / f), b = file_bytes(root / "1" / f);
    EXPECT_GT(a.size(), 1000u) << f;
    EXPECT_TRUE(a == b) << f << " differs between two builds";
  }
  EXPECT_EQ(summary[0], summary[1]);
  EXPECT_EQ(summary[0].at("vocab_size"), 1024);
  // Validation = Persuasion, test = Sense & Sensibility, the other four novels train.
  for (const auto& b : summary[0].at("books")) {
    const std::string book = b.at("book"), split = b.at("split");
    EXPECT_EQ(split, book == "Persuasion" ? "validation" : book == "Sense & Sensibility" ? "test" : "train") << book;
  }
  const TokenIds validation = read_token_ids((root / "0" / "validation.ids").string());
  EXPECT_EQ(validation.vocab_size, 1024u);
  EXPECT_EQ(validation.ids.size(), summary[0].at("validation_tokens").get<size_t>());
  fs::remove_all(root);
}

}  // namespace
}  // namespace trainperf
