// PRAGMA integrity_check, telling damage from a failing device.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db.h"

namespace ledger::detail {

// The problems PRAGMA integrity_check reports (at most `limit`), none if the b-trees are
// sound. A page it could not read is an I/O error, not damage: that throws ErrorCode::io
// naming `what`, whether the line carries the read's error code or not (an unreadable
// freelist page reads as "Page N is never used"; real damage reads the same twice, so a
// result that differs on a second reading is an I/O error too).
std::vector<std::string> integrity_problems(Db& db, std::string_view what, int limit);

}  // namespace ledger::detail
