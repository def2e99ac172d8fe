#include "operation.h"

#include <array>

namespace ledger::detail {

const std::string& operation_name(OperationKind kind) {
  static const std::array<std::string, 6> kNames = {"transfer", "reserve", "post", "void",
                                                    "reverse", "close"};
  return kNames.at(static_cast<std::size_t>(kind));
}

}  // namespace ledger::detail
