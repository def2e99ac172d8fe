// fiscal: what fiscal integrity (SPEC 10) costs at the end of a day: a close of a day of
// 1M journal rows (totals per account, perpetual totals, the chains' heads, an Ed25519
// signature), and verify of the same ledger without and with --public-key (every chain and
// rule, and then every closing's signature and totals).
#include <fmt/format.h>

#include "ledger/fiscal.h"
#include "scenarios.h"
#include "workload.h"

namespace bench {

void run_fiscal(const Config& config, Report& report) {
  report.section("fiscal");
  const std::int64_t rows = config.quick ? 20'000 : config.fiscal_rows;
  const std::string path = db_path(config, "fiscal-engine.db");
  {
    ledger::Ledger engine = open_engine(path, config);
    KeyGen keys(config.seed, 9);
    Sales sales;
    for (std::int64_t first = 0; first < rows; first += config.batch_size) {
      const int count = static_cast<int>(std::min<std::int64_t>(config.batch_size, rows - first));
      expect_created(engine.transfer_batch(sales.batch(keys, first, count)), "fiscal");
    }
    const ledger::SigningKeyPair key = ledger::generate_signing_key();

    auto start = Clock::now();
    const ledger::VerifyReport plain = engine.verify();
    const double verify_seconds = seconds_since(start);
    if (!plain.ok()) throw std::runtime_error("fiscal: verify failed: " + plain.violations[0].detail);

    ledger::CloseRequest close;
    close.principal = "operator";
    close.key = "bench-close";
    close.signing_key_pem = key.private_pem;
    start = Clock::now();
    expect_created(engine.close(close), "fiscal close");
    const double close_seconds = seconds_since(start);

    ledger::VerifyOptions signed_options;
    signed_options.public_key_pem = key.public_pem;
    start = Clock::now();
    const ledger::VerifyReport signed_report = engine.verify(signed_options);
    const double signed_seconds = seconds_since(start);
    if (!signed_report.ok() || signed_report.signatures_checked != 1) {
      throw std::runtime_error("fiscal: verify --public-key failed");
    }
    report.add("fiscal_rows", static_cast<double>(rows), "journal rows");
    report.add("verify_seconds", verify_seconds, "s", 2);
    report.add("close_seconds", close_seconds, "s", 2);
    report.add("verify_public_key_seconds", signed_seconds, "s", 2);
    report.add("ratio_verify_public_key", signed_seconds / verify_seconds, "", 3);
  }
  remove_db(config, path);
}

}  // namespace bench
