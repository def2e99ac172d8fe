// What every route handler works with: the writer, the readers, the metrics and the policy
// the service document (GET /v1) announces.
#pragma once

#include <cstdint>
#include <string>

#include "ledger/fiscal.h"
#include "ledger/shared_ledger.h"
#include "metrics.h"
#include "reader_pool.h"

namespace ledgerd {

struct ServicePolicy {
  std::string version;  // the library's, ledger::version()
  bool client_keys_accepted = true;
  std::int64_t issued_key_ttl_seconds = 0;
  std::int64_t rejection_retention_seconds = 0;
};

struct Service {
  // Money-moving calls: transfers through SharedLedger::transfer (group commit), every
  // other write through with_ledger().
  ledger::SharedLedger& writer;
  ReaderPool& readers;
  Metrics& metrics;
  ServicePolicy policy;
  // The operator's signing key (ledgerd --signing-key); all empty without one, and then
  // closings cannot be made through the API.
  ledger::SigningKeyPair signing;
};

}  // namespace ledgerd
