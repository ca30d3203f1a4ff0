#include "data/r_export.h"

#include <trainperf/workload.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace trainperf {

namespace {

constexpr const char* kRExportMagic = "trainperf-r-export 1";

[[noreturn]] void fail(const std::string& origin, size_t line, const std::string& what) {
  throw DataError(origin + ":" + std::to_string(line) + ": " + what);
}

// Splits one line into unescaped fields.
std::vector<std::optional<std::string>> split_fields(const std::string& line, const std::string& origin,
                                                     size_t line_no) {
  std::vector<std::optional<std::string>> fields;
  std::string cur;
  bool na = false;
  size_t field_start = 0;
  auto finish = [&](size_t end) {
    if (na && end - field_start != 2) fail(origin, line_no, "\\N (NA) must be a whole field");
    fields.push_back(na ? std::nullopt : std::optional<std::string>(std::move(cur)));
    cur.clear();
    na = false;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\t') {
      finish(i);
      field_start = i + 1;
    } else if (c == '\r') {
      fail(origin, line_no, "carriage return in a field (fields escape it as \\r; CRLF line ends are not allowed)");
    } else if (c == '\\') {
      if (i + 1 == line.size()) fail(origin, line_no, "backslash at the end of the line");
      const char e = line[++i];
      switch (e) {
        case '\\': cur += '\\'; break;
        case 't': cur += '\t'; break;
        case 'n': cur += '\n'; break;
        case 'r': cur += '\r'; break;
        case 'N': na = true; break;
        default: fail(origin, line_no, std::string("unknown escape \\") + e + " in column " + std::to_string(fields.size() + 1));
      }
    } else {
      cur += c;
    }
  }
  finish(line.size());
  return fields;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

size_t RTable::column(const std::string& name, const std::string& origin) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  std::string known;
  for (const auto& c : columns) known += (known.empty() ? "" : ", ") + c;
  throw DataError(origin + ": no column '" + name + "' (columns: " + known + ")");
}

RTable parse_r_export(const std::string& text, const std::string& origin) {
  if (text.empty()) throw DataError(origin + ": empty file (expected '" + kRExportMagic + "' on the first line)");
  if (text.back() != '\n') {
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    fail(origin, lines, "the last line has no newline (truncated file?)");
  }
  RTable table;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1) {
      if (line != kRExportMagic)
        fail(origin, 1, "not a trainperf R export (first line is '" + line.substr(0, 60) + "', expected '" + kRExportMagic + "')");
      continue;
    }
    auto fields = split_fields(line, origin, line_no);
    if (line_no == 2) {
      for (auto& f : fields) {
        if (!f || f->empty()) fail(origin, 2, "empty or NA column name");
        table.columns.push_back(*f);
      }
      continue;
    }
    if (fields.size() != table.columns.size())
      fail(origin, line_no, "expected " + std::to_string(table.columns.size()) + " tab-separated fields, found " +
                                std::to_string(fields.size()));
    table.rows.push_back(std::move(fields));
  }
  if (line_no < 2) fail(origin, line_no, "no column-name line");
  return table;
}

RTable read_r_export(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + (std::filesystem::exists(path) ? ": cannot open" : ": file not found"));
  std::ostringstream s;
  s << in.rdbuf();
  return parse_r_export(s.str(), path);
}

void export_r_table(const std::string& r_expression, const std::vector<std::string>& columns,
                    const std::string& out_path, const std::string& install_hint) {
  std::string cols;
  for (const auto& c : columns) {
    for (char ch : c)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'))
        throw std::invalid_argument("R column name '" + c + "' has characters other than letters, digits, _ and .");
    cols += (cols.empty() ? "\"" : ", \"") + c + "\"";
  }
  const std::string script_path = out_path + ".R.tmp", tmp_out = out_path + ".tmp", err_path = out_path + ".err.tmp";
  {
    std::ofstream script(script_path);
    script << "out <- commandArgs(trailingOnly = TRUE)[1]\n"
           << "df <- as.data.frame(" << r_expression << ")\n"
           << "cols <- c(" << cols << ")\n"
           << "esc <- function(v) {\n"
           << "  na <- is.na(v)\n"
           << "  s <- enc2utf8(as.character(v))\n"
           << "  s <- gsub(\"\\\\\", \"\\\\\\\\\", s, fixed = TRUE)\n"
           << "  s <- gsub(\"\\t\", \"\\\\t\", s, fixed = TRUE)\n"
           << "  s <- gsub(\"\\n\", \"\\\\n\", s, fixed = TRUE)\n"
           << "  s <- gsub(\"\\r\", \"\\\\r\", s, fixed = TRUE)\n"
           << "  s[na] <- \"\\\\N\"\n"
           << "  s\n"
           << "}\n"
           << "con <- file(out, open = \"wb\")\n"
           << "writeLines(\"" << kRExportMagic << "\", con, useBytes = TRUE)\n"
           << "writeLines(paste(cols, collapse = \"\\t\"), con, useBytes = TRUE)\n"
           << "if (nrow(df) > 0) writeLines(do.call(paste, c(lapply(cols, function(c) esc(df[[c]])), sep = \"\\t\")), con, useBytes = TRUE)\n"
           << "close(con)\n";
    if (!script) throw DataError(script_path + ": cannot write");
  }
  const std::string cmd = "Rscript --vanilla " + shell_quote(script_path) + " " + shell_quote(tmp_out) + " >" +
                          shell_quote(err_path) + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::string err;
  {
    std::ifstream e(err_path);
    std::ostringstream s;
    s << e.rdbuf();
    err = s.str();
  }
  std::filesystem::remove(script_path);
  std::filesystem::remove(err_path);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0) {
    std::filesystem::remove(tmp_out);
    if (code == 127) throw DataError("Rscript not found (exit 127): " + install_hint);
    if (err.size() > 2000) err = err.substr(0, 2000) + "...";
    throw DataError("Rscript failed exporting " + r_expression + " (exit " + std::to_string(code) + "): " + err +
                    "\n" + install_hint);
  }
  std::filesystem::rename(tmp_out, out_path);
}

}  // namespace trainperf
