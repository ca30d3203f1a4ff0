#include "data/idx.h"

#include <trainperf/workload.h>

#include <zlib.h>

#include <filesystem>
#include <memory>

namespace trainperf {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads exactly n bytes or reports how many it got (-1 on a stream error).
int64_t read_exact(gzFile f, void* dst, int64_t n) {
  int64_t got = 0;
  auto* p = static_cast<char*>(dst);
  while (got < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - got, 1 << 30));
    const int r = gzread(f, p + got, chunk);
    if (r < 0) return -1;
    if (r == 0) break;
    got += r;
  }
  return got;
}

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace

torch::Tensor read_idx(const std::string& path, int expected_dims) {
  if (!std::filesystem::exists(path)) throw DataError(path + ": file not found");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw DataError(path + ": cannot open");
  unsigned char header[4];
  if (read_exact(f.get(), header, 4) != 4) throw DataError(path + ": truncated IDX file (no header)");
  if (header[0] != 0 || header[1] != 0)
    throw DataError(path + ": not an IDX file (bad magic number)");
  if (header[2] != 0x08)
    throw DataError(path + ": unsupported IDX element type 0x" + std::to_string(header[2]) + " (only unsigned byte)");
  const int dims = header[3];
  if (dims < 1 || dims > 4) throw DataError(path + ": implausible IDX dimension count " + std::to_string(dims));
  if (expected_dims && dims != expected_dims)
    throw DataError(path + ": expected " + std::to_string(expected_dims) + " dimensions, file has " +
                    std::to_string(dims));
  std::vector<int64_t> shape(dims);
  int64_t total = 1;
  for (int d = 0; d < dims; ++d) {
    unsigned char b[4];
    if (read_exact(f.get(), b, 4) != 4) throw DataError(path + ": truncated IDX header");
    shape[d] = big_endian(b);
    if (shape[d] <= 0 || shape[d] > (1 << 28)) throw DataError(path + ": implausible dimension size " + std::to_string(shape[d]));
    total *= shape[d];
  }
  torch::Tensor out = torch::empty(shape, torch::kUInt8);
  const int64_t got = read_exact(f.get(), out.data_ptr<uint8_t>(), total);
  if (got < 0) {
    int err = 0;
    const char* msg = gzerror(f.get(), &err);
    throw DataError(path + ": corrupt compressed data (" + std::string(msg ? msg : "zlib error") + ")");
  }
  if (got != total)
    throw DataError(path + ": truncated: header promises " + std::to_string(total) + " bytes of data, file has " +
                    std::to_string(got));
  return out;
}

}  // namespace trainperf
