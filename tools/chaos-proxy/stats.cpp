// Writing the fault counts as JSON (nlohmann-json).
#include "stats.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace chaos {

std::string counts_json(const FaultCounts& c) {
  const nlohmann::json doc = {
      {"connections", c.connections.load()},
      {"upstream_unavailable", c.upstream_unavailable.load()},
      {"upstream_closed", c.upstream_closed.load()},
      {"requests", c.requests.load()},
      {"forwarded", c.forwarded.load()},
      {"dropped_request", c.dropped_request.load()},
      {"cut", c.cut.load()},
      {"dropped_reply", c.dropped_reply.load()},
      {"delayed_request", c.delayed_request.load()},
      {"delayed_reply", c.delayed_reply.load()},
  };
  return doc.dump();
}

bool write_counts(const FaultCounts& counts, const std::string& path) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << counts_json(counts) << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace chaos
