// The prepared-dataset cache: manifest, checksums, staleness, atomic rebuild and the messages
// workloads give when a dataset is missing, stale or corrupt.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "data/dataset_cache.h"

using namespace trainperf;
namespace fs = std::filesystem;

namespace {

struct DatasetCacheTest : ::testing::Test {
  fs::path root, package_dir;
  int builds = 0;
  DatasetEntry entry;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root = fs::temp_directory_path() / ("trainperf_cache_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(root);
    package_dir = root / "package";
    fs::create_directories(package_dir);
    write_file((package_dir / "source.txt").string(), "alpha beta\ngamma\n");
    entry.name = "toy";
    entry.description = "a test dataset";
    entry.packages = {"toy-package"};
    entry.build = [this](PrepareContext& ctx) {
      ++builds;
      const std::string text = read_file(ctx.source((package_dir / "source.txt").string(), "toy-package"));
      write_file(ctx.out_dir + "/upper.txt", std::string(text.rbegin(), text.rend()));
      fs::create_directories(ctx.out_dir + "/sub");
      write_file(ctx.out_dir + "/sub/count.txt", std::to_string(text.size()));
      return nlohmann::json{{"characters", text.size()}};
    };
  }
  void TearDown() override { fs::remove_all(root); }
  std::string data() const { return (root / "data").string(); }
};

std::string cache_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Sha256, KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(sha256_bytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_bytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(DatasetCacheTest, BuildsOnceWithAManifestOfEveryFile) {
  EXPECT_EQ(check_dataset(entry, data()).status, DatasetStatus::Missing);
  DataOptions options;
  options.data_dir = data();
  const std::string missing = cache_error_of([&] { require_dataset(entry, options, "toy_workload"); });
  EXPECT_NE(missing.find("not prepared"), std::string::npos) << missing;
  EXPECT_NE(missing.find("trainperf data prepare --workload toy_workload"), std::string::npos) << missing;
  EXPECT_NE(missing.find("apt-get install toy-package"), std::string::npos) << missing;
  EXPECT_TRUE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_EQ(require_dataset(entry, options, "toy_workload"), data() + "/toy");
  const DatasetCheck c = check_dataset(entry, data());
  ASSERT_EQ(c.status, DatasetStatus::Ok) << c.problem;
  ASSERT_EQ(c.manifest["files"].size(), 2u);
  EXPECT_EQ(c.manifest["files"][0]["name"], "sub/count.txt");
  EXPECT_EQ(c.manifest["files"][1]["name"], "upper.txt");
  EXPECT_EQ(c.manifest["files"][1]["sha256"], sha256_file(data() + "/toy/upper.txt"));
  EXPECT_EQ(c.manifest["info"]["characters"], 17);
  EXPECT_EQ(c.manifest["sources"][0]["path"], (package_dir / "source.txt").string());
  EXPECT_TRUE(c.manifest["packages"].contains("toy-package"));
  // Up to date: not built again; forced: built again, same bytes.
  EXPECT_FALSE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_EQ(builds, 1);
  const std::string before = sha256_file(data() + "/toy/upper.txt");
  EXPECT_TRUE(prepare_dataset(entry, data(), true, nullptr));
  EXPECT_EQ(builds, 2);
  EXPECT_EQ(sha256_file(data() + "/toy/upper.txt"), before);
  // No scratch or old folders are left behind.
  for (const auto& e : fs::directory_iterator(data()))
    EXPECT_TRUE(e.path().filename() == "toy" || e.path().filename() == ".toy.lock") << e.path();
}

TEST_F(DatasetCacheTest, StaleScratchFoldersOfDeadBuildersAreRemoved) {
  // A pid that has exited (a child reaped here) and one that is alive (this process's parent).
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = fs::path(data()) / (".toy.building-" + std::to_string(dead));
  const fs::path live = fs::path(data()) / (".toy.building-" + std::to_string(::getppid()));
  const fs::path other = fs::path(data()) / (".other.building-" + std::to_string(dead));
  for (const auto& p : {stale, live, other}) {
    fs::create_directories(p);
    write_file((p / "partial.bin").string(), "half");
  }
  EXPECT_TRUE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_FALSE(fs::exists(stale)) << "a dead builder's scratch folder was left";
  EXPECT_TRUE(fs::exists(live)) << "a live process's scratch folder was removed";
  EXPECT_TRUE(fs::exists(other)) << "another dataset's folder was touched";
  // Also when the dataset is already up to date.
  fs::create_directories(stale);
  EXPECT_FALSE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(DatasetCacheTest, CorruptFileIsDetectedAndNamed) {
  prepare_dataset(entry, data(), false, nullptr);
  {
    std::fstream f(data() + "/toy/upper.txt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('X');  // same size, different content
  }
  DatasetCheck c = check_dataset(entry, data());
  EXPECT_EQ(c.status, DatasetStatus::Corrupt);
  EXPECT_NE(c.problem.find("upper.txt"), std::string::npos) << c.problem;
  EXPECT_NE(c.problem.find("SHA-256"), std::string::npos) << c.problem;
  // A workload refuses it and says how to rebuild; prepare (not forced) rebuilds it.
  DataOptions options;
  options.data_dir = data();
  const std::string msg = cache_error_of([&] { require_dataset(entry, options, "toy_workload"); });
  EXPECT_NE(msg.find("'toy' is corrupt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("upper.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("trainperf data prepare --workload toy_workload --data-dir " + data() + " --force"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_EQ(check_dataset(entry, data()).status, DatasetStatus::Ok);

  fs::remove(data() + "/toy/sub/count.txt");
  c = check_dataset(entry, data());
  EXPECT_EQ(c.status, DatasetStatus::Corrupt);
  EXPECT_NE(c.problem.find("count.txt is missing"), std::string::npos) << c.problem;

  write_file(data() + "/toy/manifest.json", "{ not json");
  c = check_dataset(entry, data());
  EXPECT_EQ(c.status, DatasetStatus::Corrupt);
  EXPECT_NE(c.problem.find("manifest.json is unreadable"), std::string::npos) << c.problem;
}

TEST_F(DatasetCacheTest, StaleWhenTheFormatOrTheSourceChanges) {
  prepare_dataset(entry, data(), false, nullptr);
  DatasetEntry newer = entry;
  newer.format_version = 2;
  DatasetCheck c = check_dataset(newer, data());
  EXPECT_EQ(c.status, DatasetStatus::Stale);
  EXPECT_NE(c.problem.find("format version 1"), std::string::npos) << c.problem;
  DataOptions options;
  options.data_dir = data();
  const std::string msg = cache_error_of([&] { require_dataset(newer, options, "toy_workload"); });
  EXPECT_NE(msg.find("is stale"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--force"), std::string::npos) << msg;

  write_file((package_dir / "source.txt").string(), "a longer, different source text\n");
  c = check_dataset(entry, data());
  EXPECT_EQ(c.status, DatasetStatus::Stale);
  EXPECT_NE(c.problem.find("source.txt changed"), std::string::npos) << c.problem;
  EXPECT_TRUE(prepare_dataset(entry, data(), false, nullptr));
  EXPECT_EQ(check_dataset(entry, data()).status, DatasetStatus::Ok);

  // Once built, the cache does not need the package any more.
  fs::remove(package_dir / "source.txt");
  EXPECT_EQ(check_dataset(entry, data()).status, DatasetStatus::Ok);
}

TEST_F(DatasetCacheTest, MissingPackageFileNamesThePackageAndKeepsTheOldCache) {
  prepare_dataset(entry, data(), false, nullptr);
  fs::remove(package_dir / "source.txt");
  const std::string msg = cache_error_of([&] { prepare_dataset(entry, data(), true, nullptr); });
  EXPECT_NE(msg.find("source.txt not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install toy-package"), std::string::npos) << msg;
  EXPECT_EQ(check_dataset(entry, data()).status, DatasetStatus::Ok);  // the previous build survives
  for (const auto& e : fs::directory_iterator(data()))
    EXPECT_EQ(e.path().filename().string().find(".toy.building"), std::string::npos) << e.path();
}

TEST_F(DatasetCacheTest, UnknownDatasetListsTheKnownOnes) {
  DatasetRegistry registry;
  DatasetEntry toy;
  toy.name = "toy";
  registry.add(toy);
  try {
    registry.find("no_such_dataset");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown dataset 'no_such_dataset'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("toy"), std::string::npos) << e.what();
  }
}

TEST(DataRoot, EnvironmentAndFlag) {
  const char* old = std::getenv("TRAINPERF_DATA_DIR");
  const std::string saved = old ? old : "";
  ::setenv("TRAINPERF_DATA_DIR", "/tmp/some/where", 1);
  EXPECT_EQ(default_data_root(), "/tmp/some/where");
  DataOptions options;
  EXPECT_EQ(data_root(options), "/tmp/some/where");
  options.data_dir = "/elsewhere";
  EXPECT_EQ(data_root(options), "/elsewhere");
  if (old) ::setenv("TRAINPERF_DATA_DIR", saved.c_str(), 1); else ::unsetenv("TRAINPERF_DATA_DIR");
}
