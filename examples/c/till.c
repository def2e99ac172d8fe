/* A till in C on ledger's C ABI: it sells, loses the reply, retries with the same
 * idempotency key, and is charged once.
 *
 *   till LEDGER_FILE        (created if missing)
 *
 * Build against an installed ledger:  cc -std=c99 till.c $(pkg-config --cflags --libs ledger)
 */
#include <stdio.h>
#include <string.h>

#include <ledger/ledger_c.h>

/* Prints what went wrong and returns 1 if `rc` is an error. */
static int failed(ledger_handle* ledger, int rc, const char* what) {
  if (rc == LEDGER_OK) return 0;
  fprintf(stderr, "till: %s failed: %s (%s)\n", what, ledger_errmsg(ledger),
          ledger_error_name(rc));
  return 1;
}

/* Sells `amount_minor` cents with `key`; returns the result (ledger_free it) or NULL. */
static ledger_result* sell(ledger_handle* ledger, const char* key, int64_t amount_minor,
                           const char* receipt) {
  ledger_result* result = NULL;
  int rc = ledger_transfer(ledger, "till:1", key, "customer:42", "till:1", amount_minor, "EUR",
                           receipt, &result);
  /* BUSY or IO: nothing was stored; a real till would wait and retry with the same key. */
  return failed(ledger, rc, "transfer") ? NULL : result;
}

int main(int argc, char** argv) {
  ledger_handle* ledger = NULL;
  ledger_result* lost = NULL;
  ledger_result* retry = NULL;
  ledger_result* refused = NULL;
  char* key = NULL;
  size_t lost_length = 0, retry_length = 0;
  const char* lost_body;
  const char* retry_body;
  int64_t balance = 0;
  int ok = 0, exit_code = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: till LEDGER_FILE\n");
    return 2;
  }
  if (ledger_abi_version() != LEDGER_ABI_VERSION) {
    fprintf(stderr, "till: built for C ABI %d but libledger has %d; rebuild the till\n",
            LEDGER_ABI_VERSION, ledger_abi_version());
    return 1;
  }
  if (failed(NULL, ledger_open(argv[1], 0, 0, &ledger), "open")) return 1;
  printf("ledger %s (C ABI %d), file %s\n", ledger_version(), ledger_abi_version(), argv[1]);

  /* First run: the accounts. ALREADY_EXISTS on later runs is fine. */
  ledger_create_account(ledger, "customer:42", "EUR", LEDGER_OVERDRAFT_LIMIT, 100000, NULL);
  ledger_create_account(ledger, "till:1", "EUR", LEDGER_OVERDRAFT_NONE, 0, NULL);

  /* One key per sale, made when the sale starts, kept until the till has an answer. */
  if (failed(ledger, ledger_issue_key(ledger, "till:1", "transfer", 0, &key), "issue key")) {
    goto done;
  }
  lost = sell(ledger, key, 1999, "receipt 1001");
  if (lost == NULL) goto done;
  /* ... the reply never reached the till (network, crash): it does not know whether the
   * customer was charged, so it retries with the SAME key. */
  retry = sell(ledger, key, 1999, "receipt 1001");
  if (retry == NULL) goto done;

  lost_body = ledger_result_body(lost, &lost_length);
  retry_body = ledger_result_body(retry, &retry_length);
  printf("sale:   %s, sequence %lld\n", ledger_outcome_name(ledger_result_outcome(lost)),
         (long long)ledger_result_sequence(lost));
  printf("retry:  %s, replayed=%d, identical body=%s\n",
         ledger_outcome_name(ledger_result_outcome(retry)), ledger_result_replayed(retry),
         lost_length == retry_length && memcmp(lost_body, retry_body, lost_length) == 0 ? "yes"
                                                                                        : "NO");
  printf("body:   %.*s\n", (int)retry_length, retry_body);

  /* A sale the rules refuse is stored and replayed like any other outcome. */
  refused = sell(ledger, "sale-over-limit", 100000000, "receipt 1002");
  if (refused == NULL) goto done;
  printf("refused: %s: %s\n", ledger_outcome_name(ledger_result_outcome(refused)),
         ledger_result_message(refused));

  if (failed(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL), "balance") ||
      failed(ledger, ledger_verify(ledger, &ok, NULL, NULL), "verify")) {
    goto done;
  }
  printf("till:1 balance %lld.%02lld EUR, verify %s\n", (long long)(balance / 100),
         (long long)(balance % 100), ok ? "ok" : "FAILED");
  exit_code = ok && ledger_result_replayed(retry) == 1 &&
                      ledger_result_outcome(retry) == LEDGER_OUTCOME_CREATED
                  ? 0
                  : 1;

done:
  ledger_free(lost);
  ledger_free(retry);
  ledger_free(refused);
  ledger_free(key);
  ledger_close(ledger);
  return exit_code;
}
