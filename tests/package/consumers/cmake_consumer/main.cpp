// An app embedding ledger through its installed CMake package: it opens a ledger file,
// creates two accounts, transfers, retries the transfer with the same key and checks that
// the retry is the stored outcome with the byte-identical body. Exits 1 on any failure.
//
//   consumer LEDGER_FILE       (a new file)
#include <cstdio>
#include <exception>
#include <string>

#include <ledger/ledger.h>
#include <ledger/version.h>

namespace {

bool check(bool condition, const char* what) {
  if (!condition) std::fprintf(stderr, "consumer: FAILED: %s\n", what);
  return condition;
}

bool run(const std::string& path) {
  ledger::Ledger ledger = ledger::Ledger::open(path);
  ledger::NewAccount customer;
  customer.code = "customer:1";
  customer.currency = "EUR";
  customer.overdraft = ledger::OverdraftRule::unlimited;
  ledger.create_account(customer);
  ledger::NewAccount till_account;
  till_account.code = "till:1";
  till_account.currency = "EUR";
  ledger.create_account(till_account);

  ledger::TransferRequest sale;
  sale.principal = "till:1";
  sale.key = "sale-1001";
  sale.debit_account = "customer:1";
  sale.credit_account = "till:1";
  sale.amount_minor = 1999;
  sale.currency = "EUR";
  const ledger::TransferResult first = ledger.transfer(sale);
  const ledger::TransferResult retry = ledger.transfer(sale);
  const std::optional<ledger::Account> till = ledger.find_account("till:1");

  bool ok = check(first.outcome == ledger::Outcome::created && !first.replayed,
                  "the first transfer is created");
  ok = check(retry.outcome == ledger::Outcome::created && retry.replayed,
             "the retry with the same key is replayed") && ok;
  ok = check(!first.body.empty() && retry.body == first.body,
             "the retry's body is byte-identical to the first") && ok;
  ok = check(till.has_value() && till->balance_minor == 1999, "the till was credited once") &&
       ok;
  ok = check(ledger.verify().ok(), "verify finds no violation") && ok;
  ok = check(std::string(ledger::version()) == LEDGER_VERSION_STRING,
             "the library's version is the headers' version") && ok;
  std::printf("ledger %s: transfer %s, retry replayed=%d identical=%s\n", ledger::version(),
              ledger::to_string(first.outcome), retry.replayed ? 1 : 0,
              retry.body == first.body ? "yes" : "no");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer LEDGER_FILE\n");
    return 2;
  }
  try {
    if (!run(argv[1])) return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: FAILED: %s\n", e.what());
    return 1;
  }
  std::printf("consumer: all checks passed\n");
  return 0;
}
