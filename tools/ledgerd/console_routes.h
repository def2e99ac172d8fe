// GET /console/ and its files: the back-office console (README "Back-office console"). The
// page needs no token to load; everything it shows comes from /v1 with the operator's.
#pragma once

#include "router.h"

namespace ledgerd {

void add_console_routes(Router& router);

}  // namespace ledgerd
