// The back-office console's files (tools/ledgerd/console), embedded at build time by
// cmake/embed_console.cmake: ledgerd serves them without reading anything at run time.
#pragma once

#include <string_view>
#include <vector>

namespace ledgerd {

struct ConsoleAsset {
  std::string_view name;          // "index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<ConsoleAsset>& console_assets();

}  // namespace ledgerd
