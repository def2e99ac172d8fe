// JSON text as the ledger writes it everywhere: compact, UTF-8 kept as is, and any byte
// that is not UTF-8 replaced by U+FFFD instead of thrown as nlohmann's type_error 316.
// Such bytes reach a document from a caller's malformed input or from a damaged or
// hand-edited file (an account code, a memo, an event's detail); a report about that file
// must still be written, and stored documents hashed with this text must not change.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ledger::detail {

// Json: nlohmann::json or nlohmann::ordered_json.
template <typename Json>
std::string json_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ledger::detail
