// Aligned plain-text tables for the console.
#pragma once

#include <string>
#include <vector>

namespace trainperf::scoring {

class TextTable {
 public:
  // `align`: one 'l' or 'r' per column; columns past its end are right-aligned, and an empty
  // `align` left-aligns the first column only.
  explicit TextTable(std::vector<std::string> header, std::string align = "l")
      : header_(std::move(header)), align_(std::move(align)) {}
  void add_column(const std::string& name) { header_.push_back(name); }
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::string align_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace trainperf::scoring
