// verify: recomputes every invariant of SPEC 5 and 6 from the rows themselves.
#pragma once

#include "impl.h"

namespace ledger::detail {

VerifyReport verify(Impl& impl, const VerifyOptions& options);

}  // namespace ledger::detail
