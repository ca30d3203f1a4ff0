// A small, tolerant CSV reader for eval_measurements.csv / measurements.csv.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "scoring/diagnostics.h"

namespace trainperf::scoring {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // every row has header.size() fields
  std::vector<size_t> lines;                   // the file line each row starts on (1-based), for messages

  // Index of a column, or -1.
  int column(const std::string& name) const;
};

// RFC 4180 quoting, CRLF or LF line ends. A row with the wrong number of fields is dropped with a
// warning; so is a last row that lacks its line end (a write cut short: its last number may be
// truncated). `where` names the source in warnings.
CsvTable parse_csv(const std::string& text, const std::string& where, Diagnostics& diag);
CsvTable read_csv(const std::filesystem::path& path, Diagnostics& diag);

// A field as a number: "", "nan", or anything that is not entirely a number gives NaN; "inf",
// "-inf", "Infinity" (as pandas and fmt write them) are infinite.
double parse_number(const std::string& field);
bool is_number(const std::string& field);

}  // namespace trainperf::scoring
