#include "scoring/csv_table.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace trainperf::scoring {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {
struct Record {
  std::vector<std::string> fields;
  size_t line = 0;       // 1-based line where the record starts
  bool terminated = false;
};

std::vector<Record> split_records(const std::string& text) {
  std::vector<Record> records;
  Record cur;
  std::string field;
  bool in_quotes = false, any = false;
  size_t line = 1;
  cur.line = 1;
  auto end_record = [&](bool terminated) {
    cur.fields.push_back(field);
    cur.terminated = terminated;
    records.push_back(std::move(cur));
    cur = Record{};
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (!any) cur.line = line;
    if (c == '"') {
      in_quotes = true;
      any = true;
    } else if (c == ',') {
      cur.fields.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) end_record(true);
      ++line;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) end_record(false);
  return records;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}
}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& where, Diagnostics& diag) {
  CsvTable table;
  auto records = split_records(text);
  if (records.empty()) return table;
  for (auto& h : records.front().fields) table.header.push_back(trim(h));
  if (!records.front().terminated) {
    diag.warn(where, "the header line is cut short (partially written file); no rows read");
    table.header.clear();
    return table;
  }
  for (size_t r = 1; r < records.size(); ++r) {
    auto& rec = records[r];
    const bool last = r + 1 == records.size();
    if (last && !rec.terminated) {
      diag.warn(where, fmt::format("line {}: partially written last row (no line end); ignored", rec.line));
      continue;
    }
    if (rec.fields.size() != table.header.size()) {
      diag.warn(where, fmt::format("line {}: {} fields where the header has {}; row ignored", rec.line,
                                   rec.fields.size(), table.header.size()));
      continue;
    }
    table.rows.push_back(std::move(rec.fields));
    table.lines.push_back(rec.line);
  }
  return table;
}

CsvTable read_csv(const std::filesystem::path& path, Diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.warn(path.string(), "cannot be read");
    return {};
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_csv(buf.str(), path.string(), diag);
}

bool is_number(const std::string& field) {
  const std::string s = trim(field);
  if (s.empty()) return false;
  const char* begin = s.c_str();
  char* end = nullptr;
  std::strtod(begin, &end);
  return end == begin + s.size();
}

double parse_number(const std::string& field) {
  const std::string s = trim(field);
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  const char* begin = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end != begin + s.size()) return std::numeric_limits<double>::quiet_NaN();
  return v;
}

}  // namespace trainperf::scoring
