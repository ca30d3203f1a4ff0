#include <gtest/gtest.h>

#include <trainperf/workload.h>

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/fashion_mnist.h"
#include "data/idx.h"

using namespace trainperf;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("trainperf_idx_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::string s = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((d >> (8 * k)) & 0xff));
  s.append(data.begin(), data.end());
  return s;
}

void write_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

void write_raw(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

std::string idx_error_of(const fs::path& p, int dims = 0) {
  try {
    read_idx(p.string(), dims);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Idx, ReadsGzippedAndPlainFiles) {
  const fs::path d = temp_dir();
  std::vector<uint8_t> data(2 * 3 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  write_gz(d / "a.gz", idx_bytes({2, 3, 2}, data));
  write_raw(d / "a.idx", idx_bytes({2, 3, 2}, data));
  for (auto name : {"a.gz", "a.idx"}) {
    torch::Tensor t = read_idx((d / name).string(), 3);
    ASSERT_EQ(t.sizes(), torch::IntArrayRef({2, 3, 2}));
    EXPECT_EQ(t[1][2][1].item<int>(), 11 * 7);
    EXPECT_EQ(t.dtype(), torch::kUInt8);
  }
}

TEST(Idx, BadInputNamesTheFileAndProblem) {
  const fs::path d = temp_dir();
  EXPECT_NE(idx_error_of(d / "missing.gz").find("missing.gz: file not found"), std::string::npos);

  write_gz(d / "trunc.gz", idx_bytes({10, 4}, std::vector<uint8_t>(25)));
  EXPECT_NE(idx_error_of(d / "trunc.gz").find("truncated: header promises 40 bytes of data, file has 25"),
            std::string::npos);

  write_gz(d / "magic.gz", std::string("\x01\x02\x08\x01\x00\x00\x00\x01x", 9));
  EXPECT_NE(idx_error_of(d / "magic.gz").find("bad magic"), std::string::npos);

  write_gz(d / "type.gz", std::string("\x00\x00\x0d\x01\x00\x00\x00\x01xxxx", 12));
  EXPECT_NE(idx_error_of(d / "type.gz").find("unsupported IDX element type"), std::string::npos);

  write_gz(d / "dims.gz", idx_bytes({4}, std::vector<uint8_t>(4)));
  EXPECT_NE(idx_error_of(d / "dims.gz", 3).find("expected 3 dimensions, file has 1"), std::string::npos);

  // A gzip stream whose body is damaged.
  std::vector<uint8_t> data(4000, 3);
  write_gz(d / "good.gz", idx_bytes({4000}, data));
  std::ifstream in(d / "good.gz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (size_t i = 12; i < bytes.size() - 10; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  write_raw(d / "corrupt.gz", bytes);
  const std::string err = idx_error_of(d / "corrupt.gz");
  EXPECT_NE(err.find("corrupt.gz"), std::string::npos) << err;
  EXPECT_TRUE(err.find("corrupt") != std::string::npos || err.find("truncated") != std::string::npos) << err;

  // A CRC mismatch (one flipped bit of the stored CRC-32, the data intact) is named as such, for a
  // small file (the error comes with the first read) and a large one (after all the data).
  for (const size_t n : {8, 300000}) {
    std::vector<uint8_t> body(n);
    for (size_t i = 0; i < n; ++i) body[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    write_gz(d / "crc.gz", idx_bytes({static_cast<uint32_t>(n)}, body));
    std::ifstream crc_in(d / "crc.gz", std::ios::binary);
    std::string crc((std::istreambuf_iterator<char>(crc_in)), {});
    crc_in.close();
    crc[crc.size() - 8] = static_cast<char>(crc[crc.size() - 8] ^ 0x01);  // the trailer: CRC-32, then ISIZE
    write_raw(d / "crc.gz", crc);
    const std::string crc_err = idx_error_of(d / "crc.gz");
    EXPECT_NE(crc_err.find("crc.gz: gzip CRC error"), std::string::npos) << n << ": " << crc_err;
    EXPECT_EQ(crc_err.find("truncated"), std::string::npos) << n << ": " << crc_err;
  }
  fs::remove_all(d);
}

TEST(FashionMnist, MissingDatasetNamesThePackage) {
  try {
    load_fashion_mnist("/nonexistent/fmnist");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/fmnist/train-images-idx3-ubyte.gz"), std::string::npos);
  }
}

TEST(FashionMnist, SplitsAsDocumented) {
  FashionMnist d = load_fashion_mnist("");
  EXPECT_EQ(d.train_images.size(0), 50000);
  EXPECT_EQ(d.validation_images.size(0), 10000);
  EXPECT_EQ(d.test_images.size(0), 10000);
  EXPECT_EQ(d.train_images.sizes(), torch::IntArrayRef({50000, 1, 28, 28}));
  // Standardised with the training statistics: mean ~0, std ~1 on the training split.
  EXPECT_NEAR(d.train_images.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(d.train_images.std().item<double>(), 1.0, 0.02);
  // Balanced classes in the test set (1000 each).
  EXPECT_TRUE(torch::equal(torch::bincount(d.test_labels), torch::full({10}, 1000, torch::kLong)));
}
