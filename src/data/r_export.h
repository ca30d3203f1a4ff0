// Data frames exported from R packages' data (lazy-load .rdb files are R's own serialization, so
// Rscript writes them out once, at prepare time) in a plain text format read here:
//
//   line 1   trainperf-r-export 1
//   line 2   the column names, tab-separated
//   line 3+  one row per line, exactly one field per column, tab-separated
//
// UTF-8, '\n' line ends, the last line ends with '\n' too. Inside a field a backslash escapes:
// "\\" backslash, "\t" tab, "\n" newline, "\r" carriage return; "\N" alone is R's NA.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trainperf {

struct RTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: NA

  // Index of a column; throws DataError naming `origin` and the known columns when absent.
  size_t column(const std::string& name, const std::string& origin = "R export") const;
};

// Throws DataError naming the file (and line, for a malformed row): missing file, wrong first
// line, a row with the wrong number of fields, an unknown escape, a missing final newline
// (truncated file), a carriage return outside an escape.
RTable read_r_export(const std::string& path);
RTable parse_r_export(const std::string& text, const std::string& origin);

// Runs `Rscript --vanilla` to write `columns` of the data frame `r_expression` (e.g.
// "janeaustenr::austen_books()") to `out_path` in the format above. Throws DataError with R's
// message and `install_hint` (e.g. "apt-get install r-base-core r-cran-janeaustenr") on failure.
void export_r_table(const std::string& r_expression, const std::vector<std::string>& columns,
                    const std::string& out_path, const std::string& install_hint);

}  // namespace trainperf
