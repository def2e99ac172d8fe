// The endpoints of SPEC 8, registered on a Router, grouped as their files are:
//   routes_money.cpp    POST /v1/transfers, POST /v1/batches, POST /v1/idempotency-keys
//   routes_pending.cpp  POST /v1/pending, /v1/pending/{seq}/post|void,
//                       /v1/transfers/{seq}/reversals (operations on an existing row)
//   routes_read.cpp     GET /healthz, /v1, /v1/accounts[/{code}], /v1/transfers/{seq},
//                       /v1/journal, /v1/idempotency-keys/{key}
//   routes_admin.cpp    POST /v1/accounts, GET /metrics (admin token)
#pragma once

#include "router.h"
#include "service.h"

namespace ledgerd {

void add_money_routes(Router& router, Service& service);
void add_pending_routes(Router& router, Service& service);
void add_read_routes(Router& router, Service& service);
void add_admin_routes(Router& router, Service& service);
// routes_fiscal.cpp: GET|POST /v1/closings, GET /v1/verify (admin token).
void add_fiscal_routes(Router& router, Service& service);

}  // namespace ledgerd
