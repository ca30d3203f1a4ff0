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

// A zlib error as a message: a CRC mismatch (zlib's "incorrect data check", found at the end of a
// gzip member, possibly on the very first read of a small file) is named as such, not as truncation.
[[noreturn]] void throw_corrupt(gzFile f, const std::string& path) {
  int err = 0;
  const char* msg = gzerror(f, &err);
  std::string what = msg && *msg ? msg : "zlib error";
  if (what.rfind(path + ": ", 0) == 0) what.erase(0, path.size() + 2);  // gzerror repeats the path
  if (what.find("incorrect data check") != std::string::npos)
    throw DataError(path + ": gzip CRC error (zlib: " + what + "): the file is damaged; fetch or reinstall it");
  if (what.find("incorrect length check") != std::string::npos)
    throw DataError(path + ": gzip length check failed (zlib: " + what + "): the file is damaged; fetch or reinstall it");
  throw DataError(path + ": corrupt compressed data (" + what + ")");
}

// read_exact, with a stream error reported by throw_corrupt and a short read by `short_read`.
void read_or_throw(gzFile f, void* dst, int64_t n, const std::string& path, const std::string& short_read) {
  const int64_t got = read_exact(f, dst, n);
  if (got < 0) throw_corrupt(f, path);
  if (got != n) throw DataError(path + ": " + short_read);
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
  read_or_throw(f.get(), header, 4, path, "truncated IDX file (no header)");
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
    read_or_throw(f.get(), b, 4, path, "truncated IDX header");
    shape[d] = big_endian(b);
    if (shape[d] <= 0 || shape[d] > (1 << 28)) throw DataError(path + ": implausible dimension size " + std::to_string(shape[d]));
    total *= shape[d];
  }
  torch::Tensor out = torch::empty(shape, torch::kUInt8);
  const int64_t got = read_exact(f.get(), out.data_ptr<uint8_t>(), total);
  if (got < 0) throw_corrupt(f.get(), path);
  if (got != total)
    throw DataError(path + ": truncated: header promises " + std::to_string(total) + " bytes of data, file has " +
                    std::to_string(got));
  // The gzip trailer (CRC and length) is checked when the stream ends: read to the end so that a
  // damaged file whose data all arrived is still caught.
  char extra = 0;
  if (gzread(f.get(), &extra, 1) < 0) throw_corrupt(f.get(), path);
  return out;
}

}  // namespace trainperf
