// What every route handler works with: the writer, the readers, the metrics and the policy
// the service document (GET /v1) announces.
#pragma once

#include <cstdint>
#include <string>

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

// The operator's signing key, when ledgerd was started with --signing-key.
struct SigningKeys {
  std::string private_pem;  // empty: closings cannot be made through the API
  std::string public_pem;   // its public half, for verify
  std::string fingerprint_hex;
};

struct Service {
  // Money-moving calls: transfers through SharedLedger::transfer (group commit), every
  // other write through with_ledger().
  ledger::SharedLedger& writer;
  ReaderPool& readers;
  Metrics& metrics;
  ServicePolicy policy;
  SigningKeys signing;
};

}  // namespace ledgerd
