// The C ABI (include/ledger/ledger_c.h): versions, errors and memory, open/attach/close,
// accounts, keys and inspection. Money-moving calls are in c_money.cpp.
#include <fmt/format.h>

#include "c_documents.h"
#include "c_errors.h"
#include "c_memory.h"
#include "c_types.h"

using ledger::c_api::copy_string;
using ledger::c_api::guarded;
using ledger::c_api::null_handle;
using ledger::c_api::optional;
using ledger::c_api::require_pointer;
using ledger::c_api::required;

namespace {

constexpr unsigned kKnownOpenFlags = LEDGER_OPEN_READ_ONLY | LEDGER_OPEN_NO_CREATE |
                                     LEDGER_OPEN_DURABILITY_NORMAL |
                                     LEDGER_OPEN_ISSUED_KEYS_ONLY |
                                     LEDGER_OPEN_ALLOW_WORLD_WRITABLE;

ledger::Options options_of(unsigned flags, const char* function) {
  if ((flags & ~kKnownOpenFlags) != 0) {
    throw ledger::Error(ledger::ErrorCode::invalid_argument,
                        fmt::format("{}: unknown flag bits {:#x}; use the LEDGER_OPEN_* values "
                                    "of ledger_c.h",
                                    function, flags & ~kKnownOpenFlags));
  }
  ledger::Options options;
  options.read_only = (flags & LEDGER_OPEN_READ_ONLY) != 0;
  options.create_if_missing = (flags & LEDGER_OPEN_NO_CREATE) == 0;
  options.durability = (flags & LEDGER_OPEN_DURABILITY_NORMAL) != 0
                           ? ledger::Durability::normal
                           : ledger::Durability::full;
  options.allow_client_keys = (flags & LEDGER_OPEN_ISSUED_KEYS_ONLY) == 0;
  options.allow_world_writable = (flags & LEDGER_OPEN_ALLOW_WORLD_WRITABLE) != 0;
  return options;
}

// Hands `text` to the caller as a string it frees with ledger_free.
int give_string(const std::string& text, char** out, size_t* length) {
  *out = copy_string(text);
  if (length != nullptr) *length = text.size();
  return LEDGER_OK;
}

}  // namespace

extern "C" {

const char* ledger_version(void) { return ledger::version(); }

int ledger_abi_version(void) { return ledger::abi_version(); }

int ledger_file_format_version(void) { return ledger::file_format_version(); }

const char* ledger_error_name(int error) {
  // The two codes the C ABI adds; every other one is named as its ledger::ErrorCode.
  if (error == LEDGER_OK) return "ok";
  if (error == LEDGER_ERR_NO_MEMORY) return "no_memory";
  const auto code = ledger::c_api::from_c_error(error);
  return code ? ledger::to_string(*code) : "unknown";
}

const char* ledger_errmsg(const ledger_handle* ledger) {
  return ledger == nullptr ? ledger::c_api::thread_message() : ledger->errmsg.c_str();
}

void ledger_free(void* pointer) { ledger::c_api::free_block(pointer); }

int ledger_open(const char* path, unsigned flags, int busy_timeout_ms, ledger_handle** out) {
  return guarded(nullptr, [&] {
    require_pointer(out, "ledger_open", "out");
    *out = nullptr;
    ledger::Options options = options_of(flags, "ledger_open");
    if (busy_timeout_ms < 0) {
      throw ledger::Error(ledger::ErrorCode::invalid_argument,
                          fmt::format("ledger_open: busy_timeout_ms is {}; pass 0 for the "
                                      "default or a positive number of milliseconds",
                                      busy_timeout_ms));
    }
    if (busy_timeout_ms > 0) options.busy_timeout_ms = busy_timeout_ms;
    *out = new ledger_handle(
        ledger::Ledger::open(required(path, "ledger_open", "path"), options));
    return LEDGER_OK;
  });
}

int ledger_attach(struct sqlite3* connection, unsigned flags, ledger_handle** out) {
  return guarded(nullptr, [&] {
    require_pointer(out, "ledger_attach", "out");
    *out = nullptr;
    if ((flags & LEDGER_OPEN_DURABILITY_NORMAL) != 0) {
      throw ledger::Error(ledger::ErrorCode::invalid_argument,
                          "ledger_attach: LEDGER_OPEN_DURABILITY_NORMAL does not apply: an "
                          "attached ledger commits with the app's connection, so set "
                          "PRAGMA synchronous on it instead");
    }
    *out = new ledger_handle(ledger::Ledger::attach(connection, options_of(flags, "ledger_attach")));
    return LEDGER_OK;
  });
}

int ledger_close(ledger_handle* ledger) {
  delete ledger;  // ~Ledger finalizes statements and closes its own connection; never throws
  return LEDGER_OK;
}

int ledger_create_account(ledger_handle* ledger, const char* code, const char* currency,
                          int overdraft, int64_t overdraft_limit_minor, const char* name) {
  if (ledger == nullptr) return null_handle("ledger_create_account");
  return guarded(ledger, [&] {
    ledger::NewAccount account;
    account.code = required(code, "ledger_create_account", "code");
    account.currency = required(currency, "ledger_create_account", "currency");
    switch (overdraft) {
      case LEDGER_OVERDRAFT_NONE:
        account.overdraft = ledger::OverdraftRule::none;
        break;
      case LEDGER_OVERDRAFT_LIMIT:
        account.overdraft = ledger::OverdraftRule::limit;
        break;
      case LEDGER_OVERDRAFT_UNLIMITED:
        account.overdraft = ledger::OverdraftRule::unlimited;
        break;
      default:
        throw ledger::Error(ledger::ErrorCode::invalid_argument,
                            fmt::format("ledger_create_account: overdraft {} is not a "
                                        "LEDGER_OVERDRAFT_* value (0 none, 1 limit, 2 unlimited)",
                                        overdraft));
    }
    account.overdraft_limit_minor = overdraft_limit_minor;
    account.name = optional(name);
    (void)ledger->ledger.create_account(account);
    return LEDGER_OK;
  });
}

int ledger_account_balance(ledger_handle* ledger, const char* code, int64_t* balance_minor,
                           int64_t* held_minor) {
  if (ledger == nullptr) return null_handle("ledger_account_balance");
  return guarded(ledger, [&] {
    const std::string account_code = required(code, "ledger_account_balance", "code");
    const auto account = ledger->ledger.find_account(account_code);
    if (!account) {
      throw ledger::Error(ledger::ErrorCode::not_found,
                          fmt::format("ledger_account_balance: no account '{}'; create it with "
                                      "ledger_create_account or check the code",
                                      account_code));
    }
    if (balance_minor != nullptr) *balance_minor = account->balance_minor;
    if (held_minor != nullptr) *held_minor = account->pending_minor;
    return LEDGER_OK;
  });
}

int ledger_accounts_json(ledger_handle* ledger, char** json, size_t* length) {
  if (ledger == nullptr) return null_handle("ledger_accounts_json");
  return guarded(ledger, [&] {
    require_pointer(json, "ledger_accounts_json", "json");
    *json = nullptr;
    return give_string(ledger::c_api::accounts_document(ledger->ledger.list_accounts()), json,
                       length);
  });
}

int ledger_issue_key(ledger_handle* ledger, const char* principal, const char* operation,
                     int64_t ttl_seconds, char** key) {
  if (ledger == nullptr) return null_handle("ledger_issue_key");
  return guarded(ledger, [&] {
    require_pointer(key, "ledger_issue_key", "key");
    *key = nullptr;
    std::optional<std::int64_t> ttl;
    if (ttl_seconds != 0) ttl = ttl_seconds;
    const ledger::KeyRecord record =
        ledger->ledger.issue_key(required(principal, "ledger_issue_key", "principal"),
                                 required(operation, "ledger_issue_key", "operation"), ttl);
    return give_string(record.key, key, nullptr);
  });
}

int ledger_verify(ledger_handle* ledger, int* ok, char** report, size_t* length) {
  if (ledger == nullptr) return null_handle("ledger_verify");
  return guarded(ledger, [&] {
    require_pointer(ok, "ledger_verify", "ok");
    if (report != nullptr) *report = nullptr;
    const ledger::VerifyReport result = ledger->ledger.verify();
    *ok = result.ok() ? 1 : 0;
    if (report != nullptr) give_string(ledger::c_api::verify_document(result), report, length);
    return LEDGER_OK;
  });
}

int ledger_journal_json(ledger_handle* ledger, int64_t since_sequence, int64_t limit,
                        char** json, size_t* length) {
  if (ledger == nullptr) return null_handle("ledger_journal_json");
  return guarded(ledger, [&] {
    require_pointer(json, "ledger_journal_json", "json");
    *json = nullptr;
    if (limit < 1 || limit > 100000) {
      throw ledger::Error(ledger::ErrorCode::invalid_argument,
                          fmt::format("ledger_journal_json: limit {} is out of range; pass "
                                      "1..100000 and page with since_sequence",
                                      limit));
    }
    return give_string(
        ledger::c_api::journal_document(ledger->ledger.journal(since_sequence, limit)), json,
        length);
  });
}

}  // extern "C"
