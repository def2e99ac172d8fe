/* The C ABI from C (compiled as C99 with -Wall -Wextra -pedantic -Werror): every function
 * of ledger_c.h on a real ledger file and on an app's own SQLite connection.
 *
 *   c_api_test DIR          the whole ABI, files in DIR
 *   c_api_test DIR throw    with LEDGER_FAILPOINT=transfer.after_debit:throw set: the C++
 *                           side throws mid-transfer; the call returns
 *                           LEDGER_ERR_INTERNAL, nothing is stored, a retry books once. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_c.h"

static int failures = 0;

#define CHECK(condition)                                                    \
  do {                                                                      \
    if (!(condition)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,      \
              #condition);                                                  \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

/* A call that must succeed; on failure prints the code and the message. */
#define OK(handle, call)                                                              \
  do {                                                                                \
    int rc_ = (call);                                                                 \
    if (rc_ != LEDGER_OK) {                                                           \
      fprintf(stderr, "%s:%d: %s returned %d (%s): %s\n", __FILE__, __LINE__, #call, \
              rc_, ledger_error_name(rc_), ledger_errmsg(handle));                    \
      ++failures;                                                                     \
    }                                                                                 \
  } while (0)

static char paths[4][4096];

static const char* fresh_path(int slot, const char* dir, const char* name) {
  char side[4200];
  snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
  remove(paths[slot]);
  snprintf(side, sizeof side, "%s-wal", paths[slot]);
  remove(side);
  snprintf(side, sizeof side, "%s-shm", paths[slot]);
  remove(side);
  return paths[slot];
}

static int contains(const char* text, const char* part) { return strstr(text, part) != NULL; }

static void check_versions(void) {
  CHECK(ledger_abi_version() == LEDGER_ABI_VERSION);
  CHECK(strcmp(ledger_version(), LEDGER_VERSION_STRING) == 0);
  CHECK(ledger_file_format_version() >= 1);
  CHECK(strcmp(ledger_error_name(LEDGER_ERR_BUSY), "busy") == 0);
  CHECK(strcmp(ledger_error_name(999), "unknown") == 0);
  CHECK(strcmp(ledger_outcome_name(LEDGER_OUTCOME_INSUFFICIENT_FUNDS), "insufficient_funds") == 0);
  CHECK(strcmp(ledger_outcome_name(LEDGER_OUTCOME_INVALID_REQUEST), "invalid_request") == 0);
  CHECK(strcmp(ledger_outcome_name(-1), "unknown") == 0);
  CHECK(ledger_outcome_class(LEDGER_OUTCOME_CREATED) == LEDGER_CLASS_DONE);
  CHECK(ledger_outcome_class(LEDGER_OUTCOME_INSUFFICIENT_FUNDS) == LEDGER_CLASS_REJECTED);
  CHECK(ledger_outcome_class(LEDGER_OUTCOME_KEY_EXPIRED) == LEDGER_CLASS_CONFLICT);
  CHECK(ledger_outcome_class(LEDGER_OUTCOME_INVALID_REQUEST) == LEDGER_CLASS_MALFORMED);
  CHECK(ledger_outcome_class(19) == -1);
}

static ledger_handle* open_shop(const char* path) {
  ledger_handle* ledger = NULL;
  OK(NULL, ledger_open(path, 0, 0, &ledger));
  if (ledger == NULL) return NULL;
  OK(ledger, ledger_create_account(ledger, "world", "EUR", LEDGER_OVERDRAFT_UNLIMITED, 0,
                                   "the outside world"));
  OK(ledger, ledger_create_account(ledger, "till:1", "EUR", LEDGER_OVERDRAFT_NONE, 0, NULL));
  OK(ledger, ledger_create_account(ledger, "customer:42", "EUR", LEDGER_OVERDRAFT_NONE, 0, NULL));
  return ledger;
}

static void check_transfer_and_replay(ledger_handle* ledger) {
  ledger_result* first = NULL;
  ledger_result* retry = NULL;
  ledger_result* other = NULL;
  char* key = NULL;
  size_t first_length = 0, retry_length = 0;
  const char* first_body;
  const char* retry_body;
  int64_t balance = -1, held = -1;

  OK(ledger, ledger_issue_key(ledger, "till:1", "transfer", 0, &key));
  CHECK(key != NULL && strlen(key) >= 16);
  OK(ledger, ledger_transfer(ledger, "till:1", key, "world", "till:1", 1250, "EUR",
                             "receipt 1", &first));
  CHECK(ledger_result_outcome(first) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_result_replayed(first) == 0);
  CHECK(ledger_result_sequence(first) == 1);
  CHECK(strcmp(ledger_result_message(first), "") == 0);

  /* The reply was "lost": the till retries with the same key and request. */
  OK(ledger, ledger_transfer(ledger, "till:1", key, "world", "till:1", 1250, "EUR",
                             "receipt 1", &retry));
  CHECK(ledger_result_outcome(retry) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_result_replayed(retry) == 1);
  CHECK(ledger_result_sequence(retry) == 1);
  first_body = ledger_result_body(first, &first_length);
  retry_body = ledger_result_body(retry, &retry_length);
  CHECK(first_length > 0 && first_length == retry_length);
  CHECK(memcmp(first_body, retry_body, first_length) == 0);
  CHECK(first_body[first_length] == '\0');
  CHECK(contains(first_body, "\"created\""));

  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, &held));
  CHECK(balance == 1250 && held == 0);

  /* The same key with another amount is refused, nothing stored, field named. */
  OK(ledger, ledger_transfer(ledger, "till:1", key, "world", "till:1", 999, "EUR", "receipt 1",
                             &other));
  CHECK(ledger_result_outcome(other) == LEDGER_OUTCOME_KEY_REUSED_WITH_DIFFERENT_REQUEST);
  CHECK(strcmp(ledger_result_differing_field(other), "amount") == 0);
  CHECK(ledger_result_sequence(other) == 0);
  CHECK(strlen(ledger_result_message(other)) > 0);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL));
  CHECK(balance == 1250);

  ledger_free(first);
  ledger_free(retry);
  ledger_free(other);
  ledger_free(key);
}

static void check_refusal(ledger_handle* ledger) {
  ledger_result* refused = NULL;
  ledger_result* again = NULL;
  size_t a = 0, b = 0;
  OK(ledger, ledger_transfer(ledger, "till:1", "refund-too-big", "till:1", "customer:42",
                             100000, "EUR", NULL, &refused));
  CHECK(ledger_result_outcome(refused) == LEDGER_OUTCOME_INSUFFICIENT_FUNDS);
  CHECK(ledger_result_replayed(refused) == 0);
  CHECK(strlen(ledger_result_message(refused)) > 0);
  OK(ledger, ledger_transfer(ledger, "till:1", "refund-too-big", "till:1", "customer:42",
                             100000, "EUR", NULL, &again));
  CHECK(ledger_result_outcome(again) == LEDGER_OUTCOME_INSUFFICIENT_FUNDS);
  CHECK(ledger_result_replayed(again) == 1);
  CHECK(memcmp(ledger_result_body(refused, &a), ledger_result_body(again, &b), a) == 0 && a == b);
  ledger_free(refused);
  ledger_free(again);
}

static void check_two_phase_and_refund(ledger_handle* ledger) {
  ledger_result* hold = NULL;
  ledger_result* post = NULL;
  ledger_result* hold2 = NULL;
  ledger_result* voided = NULL;
  ledger_result* refund = NULL;
  ledger_result* too_much = NULL;
  int64_t balance = 0, held = 0;

  OK(ledger, ledger_reserve(ledger, "till:1", "hold-1", "till:1", "customer:42", 500, "EUR",
                            "card pre-auth", 0, &hold));
  CHECK(ledger_result_outcome(hold) == LEDGER_OUTCOME_CREATED);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, &held));
  CHECK(balance == 1250 && held == 500);
  OK(ledger, ledger_post(ledger, "till:1", "post-1", ledger_result_sequence(hold), 300, NULL,
                         &post));
  CHECK(ledger_result_outcome(post) == LEDGER_OUTCOME_CREATED);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, &held));
  CHECK(balance == 950 && held == 0);

  OK(ledger, ledger_reserve(ledger, "till:1", "hold-2", "till:1", "customer:42", 100, "EUR",
                            NULL, 3600, &hold2));
  OK(ledger, ledger_void(ledger, "till:1", "void-2", ledger_result_sequence(hold2), "cancelled",
                         &voided));
  CHECK(ledger_result_outcome(voided) == LEDGER_OUTCOME_CREATED);

  OK(ledger, ledger_reverse(ledger, "till:1", "refund-1", ledger_result_sequence(post), 100,
                            "refund", &refund));
  CHECK(ledger_result_outcome(refund) == LEDGER_OUTCOME_CREATED);
  OK(ledger, ledger_reverse(ledger, "till:1", "refund-2", ledger_result_sequence(post), 1000,
                            NULL, &too_much));
  CHECK(ledger_result_outcome(too_much) == LEDGER_OUTCOME_REVERSAL_EXCEEDS_ORIGINAL);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, &held));
  CHECK(balance == 1050 && held == 0);

  ledger_free(hold);
  ledger_free(post);
  ledger_free(hold2);
  ledger_free(voided);
  ledger_free(refund);
  ledger_free(too_much);
}

static void check_batch(ledger_handle* ledger) {
  ledger_batch* batch = NULL;
  size_t i;
  OK(NULL, ledger_batch_new(&batch));
  OK(NULL, ledger_batch_add(batch, "till:1", "b-1", "world", "till:1", 100, "EUR", "b1"));
  OK(NULL, ledger_batch_add(batch, "till:1", "b-2", "customer:42", "till:1", 999999, "EUR", NULL));
  OK(NULL, ledger_batch_add(batch, "till:1", "b-3", "world", "till:1", 200, "EUR", NULL));
  CHECK(ledger_batch_size(batch) == 3);
  CHECK(ledger_batch_result(batch, 0) == NULL);
  OK(ledger, ledger_batch_run(ledger, batch, LEDGER_BATCH_INDEPENDENT));
  CHECK(ledger_result_outcome(ledger_batch_result(batch, 0)) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_result_outcome(ledger_batch_result(batch, 1)) == LEDGER_OUTCOME_INSUFFICIENT_FUNDS);
  CHECK(ledger_result_outcome(ledger_batch_result(batch, 2)) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_batch_result(batch, 3) == NULL);
  /* Running it again is a retry: every item replays. */
  OK(ledger, ledger_batch_run(ledger, batch, LEDGER_BATCH_INDEPENDENT));
  for (i = 0; i < 3; ++i) CHECK(ledger_result_replayed(ledger_batch_result(batch, i)) == 1);
  CHECK(ledger_batch_run(ledger, batch, 7) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(contains(ledger_errmsg(ledger), "mode 7"));
  ledger_free(batch);
}

static void check_inspection(ledger_handle* ledger) {
  char* json = NULL;
  size_t length = 0;
  int ok = 0;
  OK(ledger, ledger_accounts_json(ledger, &json, &length));
  CHECK(json != NULL && length == strlen(json));
  CHECK(contains(json, "\"code\":\"till:1\"") && contains(json, "\"balance_minor\":1350"));
  ledger_free(json);
  OK(ledger, ledger_journal_json(ledger, 1, 2, &json, NULL));
  CHECK(contains(json, "\"sequence\":1") && contains(json, "\"sequence\":2") &&
        !contains(json, "\"sequence\":3"));
  ledger_free(json);
  CHECK(ledger_journal_json(ledger, 1, 0, &json, NULL) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL);
  OK(ledger, ledger_verify(ledger, &ok, &json, &length));
  CHECK(ok == 1);
  CHECK(contains(json, "\"ok\":true") && contains(json, "\"violations\":[]"));
  ledger_free(json);
  OK(ledger, ledger_verify(ledger, &ok, NULL, NULL));
  CHECK(ok == 1);
}

static void check_errors(ledger_handle* ledger, const char* dir) {
  ledger_handle* other = (ledger_handle*)&failures; /* must be reset to NULL on failure */
  ledger_result* result = (ledger_result*)&failures;
  FILE* file;
  int64_t balance = 0;
  const char* junk = fresh_path(2, dir, "not-a-ledger.txt");

  file = fopen(junk, "w");
  CHECK(file != NULL);
  if (file != NULL) {
    fputs("this is a text file, not a ledger; it is long enough to have a header......\n", file);
    fclose(file);
  }
  CHECK(ledger_open(junk, 0, 0, &other) == LEDGER_ERR_NOT_A_LEDGER);
  CHECK(other == NULL);
  CHECK(strlen(ledger_errmsg(NULL)) > 0);

  CHECK(ledger_open(fresh_path(3, dir, "missing.ledger"), LEDGER_OPEN_NO_CREATE, 0, &other) ==
        LEDGER_ERR_NOT_FOUND);
  CHECK(ledger_open(paths[3], 1u << 20, 0, &other) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(contains(ledger_errmsg(NULL), "unknown flag"));
  CHECK(ledger_open(NULL, 0, 0, &other) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(contains(ledger_errmsg(NULL), "path is NULL"));
  CHECK(ledger_open(paths[3], 0, 0, NULL) == LEDGER_ERR_INVALID_ARGUMENT);

  CHECK(ledger_create_account(ledger, "till:1", "EUR", LEDGER_OVERDRAFT_NONE, 0, NULL) ==
        LEDGER_ERR_ALREADY_EXISTS);
  CHECK(strlen(ledger_errmsg(ledger)) > 0);
  CHECK(ledger_create_account(ledger, "x", "EUR", 9, 0, NULL) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(ledger_create_account(ledger, "y", "XXX", LEDGER_OVERDRAFT_NONE, 0, NULL) ==
        LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(ledger_account_balance(ledger, "nobody", &balance, NULL) == LEDGER_ERR_NOT_FOUND);
  CHECK(contains(ledger_errmsg(ledger), "nobody"));
  CHECK(ledger_transfer(ledger, NULL, "k", "world", "till:1", 1, "EUR", NULL, &result) ==
        LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(result == NULL);
  CHECK(contains(ledger_errmsg(ledger), "principal is NULL"));
  CHECK(ledger_transfer(NULL, "till:1", "k", "world", "till:1", 1, "EUR", NULL, &result) ==
        LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(contains(ledger_errmsg(NULL), "handle is NULL"));
  CHECK(ledger_issue_key(ledger, "till:1", "transfer", -5, NULL) == LEDGER_ERR_INVALID_ARGUMENT);

  /* A malformed request is an outcome, not an error: nothing stored, key still usable. */
  OK(ledger, ledger_transfer(ledger, "till:1", "neg", "world", "till:1", -5, "EUR", NULL,
                             &result));
  CHECK(ledger_result_outcome(result) == LEDGER_OUTCOME_INVALID_REQUEST);
  ledger_free(result);

  ledger_free(NULL);
  CHECK(ledger_close(NULL) == LEDGER_OK);
}

static int exec_sql(sqlite3* db, const char* sql) {
  char* error = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &error);
  if (rc != SQLITE_OK) fprintf(stderr, "sqlite: %s: %s\n", sql, error ? error : "?");
  sqlite3_free(error);
  return rc;
}

static int count_rows(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = NULL;
  int count = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    count = sqlite3_column_int(statement, 0);
  }
  sqlite3_finalize(statement);
  return count;
}

/* The app's sale row and the ledger's transfer commit or roll back together. */
static void check_attach(const char* dir) {
  sqlite3* db = NULL;
  ledger_handle* ledger = NULL;
  ledger_result* result = NULL;
  int64_t balance = -1;

  CHECK(sqlite3_open(fresh_path(1, dir, "app.db"), &db) == SQLITE_OK);
  CHECK(exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE sales(receipt TEXT PRIMARY KEY, total_minor INTEGER)") ==
        SQLITE_OK);
  CHECK(ledger_attach(db, LEDGER_OPEN_DURABILITY_NORMAL, &ledger) == LEDGER_ERR_INVALID_ARGUMENT);
  CHECK(ledger_attach(NULL, 0, &ledger) == LEDGER_ERR_INVALID_ARGUMENT);
  OK(NULL, ledger_attach(db, 0, &ledger));
  if (ledger == NULL) {
    sqlite3_close(db);
    return;
  }
  OK(ledger, ledger_create_account(ledger, "world", "EUR", LEDGER_OVERDRAFT_UNLIMITED, 0, NULL));
  OK(ledger, ledger_create_account(ledger, "till:1", "EUR", LEDGER_OVERDRAFT_NONE, 0, NULL));

  /* The app rolls back: neither its sale nor the transfer nor the key remains. */
  CHECK(exec_sql(db, "BEGIN IMMEDIATE; INSERT INTO sales VALUES('r-1', 700)") == SQLITE_OK);
  OK(ledger, ledger_transfer(ledger, "till:1", "sale-r-1", "world", "till:1", 700, "EUR", "r-1",
                             &result));
  CHECK(ledger_result_outcome(result) == LEDGER_OUTCOME_CREATED);
  ledger_free(result);
  CHECK(exec_sql(db, "ROLLBACK") == SQLITE_OK);
  CHECK(count_rows(db, "SELECT count(*) FROM sales") == 0);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL));
  CHECK(balance == 0);

  /* The app commits: the same key now executes (it was never stored) with the sale. */
  CHECK(exec_sql(db, "BEGIN IMMEDIATE; INSERT INTO sales VALUES('r-1', 700)") == SQLITE_OK);
  OK(ledger, ledger_transfer(ledger, "till:1", "sale-r-1", "world", "till:1", 700, "EUR", "r-1",
                             &result));
  CHECK(ledger_result_outcome(result) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_result_replayed(result) == 0);
  ledger_free(result);
  CHECK(exec_sql(db, "COMMIT") == SQLITE_OK);
  CHECK(count_rows(db, "SELECT count(*) FROM sales") == 1);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL));
  CHECK(balance == 700);

  CHECK(ledger_close(ledger) == LEDGER_OK);
  /* The app's connection is still its own and open. */
  CHECK(count_rows(db, "SELECT count(*) FROM sales") == 1);
  CHECK(sqlite3_close(db) == SQLITE_OK);
}

/* LEDGER_FAILPOINT=transfer.after_debit:throw: the engine throws a std::runtime_error after
 * the debit; the ABI returns INTERNAL, the transaction rolled back, a retry books once. */
static void check_exception_does_not_escape(const char* dir) {
  ledger_handle* ledger = open_shop(fresh_path(0, dir, "throw.ledger"));
  ledger_result* result = (ledger_result*)&failures;
  int64_t balance = -1;
  int ok = 0;
  char* journal = NULL;
  if (ledger == NULL) return;
  CHECK(ledger_transfer(ledger, "till:1", "sale-1", "world", "till:1", 400, "EUR", NULL,
                        &result) == LEDGER_ERR_INTERNAL);
  CHECK(result == NULL);
  CHECK(contains(ledger_errmsg(ledger), "failpoint transfer.after_debit threw"));
  CHECK(contains(ledger_errmsg(ledger), "nothing was stored"));
  OK(ledger, ledger_account_balance(ledger, "world", &balance, NULL));
  CHECK(balance == 0);

  OK(ledger, ledger_transfer(ledger, "till:1", "sale-1", "world", "till:1", 400, "EUR", NULL,
                             &result));
  CHECK(ledger_result_outcome(result) == LEDGER_OUTCOME_CREATED);
  CHECK(ledger_result_replayed(result) == 0);
  ledger_free(result);
  OK(ledger, ledger_account_balance(ledger, "till:1", &balance, NULL));
  CHECK(balance == 400);
  OK(ledger, ledger_journal_json(ledger, 1, 100, &journal, NULL));
  CHECK(journal != NULL && contains(journal, "\"sequence\":1") &&
        !contains(journal, "\"sequence\":2"));
  ledger_free(journal);
  OK(ledger, ledger_verify(ledger, &ok, NULL, NULL));
  CHECK(ok == 1);
  ledger_close(ledger);
}

int main(int argc, char** argv) {
  ledger_handle* ledger;
  if (argc < 2) {
    fprintf(stderr, "usage: c_api_test DIR [throw]\n");
    return 2;
  }
  if (argc > 2 && strcmp(argv[2], "throw") == 0) {
    const char* armed = getenv("LEDGER_FAILPOINT");
    if (armed == NULL || strcmp(armed, "transfer.after_debit:throw") != 0) {
      fprintf(stderr, "set LEDGER_FAILPOINT=transfer.after_debit:throw for this mode\n");
      return 2;
    }
    check_exception_does_not_escape(argv[1]);
  } else {
    check_versions();
    ledger = open_shop(fresh_path(0, argv[1], "shop.ledger"));
    CHECK(ledger != NULL);
    if (ledger != NULL) {
      check_transfer_and_replay(ledger);
      check_refusal(ledger);
      check_two_phase_and_refund(ledger);
      check_batch(ledger);
      check_inspection(ledger);
      check_errors(ledger, argv[1]);
      CHECK(ledger_close(ledger) == LEDGER_OK);
    }
    check_attach(argv[1]);
  }
  if (failures > 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
