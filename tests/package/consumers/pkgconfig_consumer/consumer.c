/* An app in C embedding ledger through its installed pkg-config file (README "Embedding"):
 *
 *   cc -std=c99 consumer.c $(pkg-config --cflags --libs ledger)
 *
 * It opens a ledger file, creates two accounts, transfers, retries with the same key,
 * checks that the retry is the stored outcome with the byte-identical body, verifies and
 * closes. Exits 1 on any failure.
 *
 *   consumer LEDGER_FILE       (a new file)
 */
#include <stdio.h>
#include <string.h>

#include <ledger/ledger_c.h>

static int failures = 0;

static void check(int condition, const char* what) {
  if (!condition) {
    fprintf(stderr, "consumer: FAILED: %s\n", what);
    ++failures;
  }
}

/* Returns 1 if `rc` is LEDGER_OK, else says what failed and returns 0. */
static int succeeded(const ledger_handle* ledger, int rc, const char* what) {
  if (rc == LEDGER_OK) return 1;
  fprintf(stderr, "consumer: FAILED: %s: %s (%s)\n", what, ledger_errmsg(ledger),
          ledger_error_name(rc));
  ++failures;
  return 0;
}

static ledger_result* sell(ledger_handle* ledger) {
  ledger_result* result = NULL;
  int rc = ledger_transfer(ledger, "till:1", "sale-1001", "customer:1", "till:1", 1999, "EUR",
                           "receipt 1001", &result);
  return succeeded(ledger, rc, "ledger_transfer") ? result : NULL;
}

static void transfer_twice(ledger_handle* ledger) {
  ledger_result* first = sell(ledger);
  ledger_result* retry = sell(ledger);
  size_t first_length = 0, retry_length = 0;
  const char* first_body;
  const char* retry_body;
  int64_t balance = 0;

  if (first != NULL && retry != NULL) {
    first_body = ledger_result_body(first, &first_length);
    retry_body = ledger_result_body(retry, &retry_length);
    check(ledger_result_outcome(first) == LEDGER_OUTCOME_CREATED &&
              !ledger_result_replayed(first),
          "the first transfer is created");
    check(ledger_result_outcome(retry) == LEDGER_OUTCOME_CREATED &&
              ledger_result_replayed(retry) == 1,
          "the retry with the same key is replayed");
    check(first_length > 0 && first_length == retry_length &&
              memcmp(first_body, retry_body, first_length) == 0,
          "the retry's body is byte-identical to the first");
    printf("transfer %s, retry replayed=%d\n",
           ledger_outcome_name(ledger_result_outcome(first)), ledger_result_replayed(retry));
  }
  ledger_free(first);
  ledger_free(retry);
  if (succeeded(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL), "balance")) {
    check(balance == 1999, "the till was credited once");
  }
}

int main(int argc, char** argv) {
  ledger_handle* ledger = NULL;
  int ok = 0;

  if (argc != 2) {
    fprintf(stderr, "usage: consumer LEDGER_FILE\n");
    return 2;
  }
  check(ledger_abi_version() == LEDGER_ABI_VERSION, "the library's ABI is the header's");
  check(strcmp(ledger_version(), LEDGER_VERSION_STRING) == 0,
        "the library's version is the header's");
  printf("ledger %s (C ABI %d)\n", ledger_version(), ledger_abi_version());
  if (!succeeded(NULL, ledger_open(argv[1], 0, 0, &ledger), "ledger_open")) return 1;

  succeeded(ledger,
            ledger_create_account(ledger, "customer:1", "EUR", LEDGER_OVERDRAFT_UNLIMITED, 0,
                                  NULL),
            "create customer:1");
  succeeded(ledger,
            ledger_create_account(ledger, "till:1", "EUR", LEDGER_OVERDRAFT_NONE, 0, "Till 1"),
            "create till:1");
  transfer_twice(ledger);
  if (succeeded(ledger, ledger_verify(ledger, &ok, NULL, NULL), "ledger_verify")) {
    check(ok == 1, "verify finds no violation");
  }
  succeeded(NULL, ledger_close(ledger), "ledger_close");

  if (failures > 0) return 1;
  printf("consumer: all checks passed\n");
  return 0;
}
