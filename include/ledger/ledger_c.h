/* ledger_c.h: the C ABI of ledger (SPEC 9), for POS apps written in C, C#, Java, Kotlin,
 * Swift, Python or anything else that can call C. C99; no C++ in it.
 *
 * The same engine as the C++ API (ledger/ledger.h): every money-moving call runs exactly
 * once per (principal, idempotency key) in ONE SQLite transaction, and every retry with
 * the same key gets the byte-identical stored response.
 *
 * Rules of the ABI
 *   - Errors. Every function that can fail returns an int: LEDGER_OK (0) or one of
 *     enum ledger_error. ledger_errmsg(handle) then says what was wrong and what to do
 *     next. Business outcomes (insufficient funds, a reused key, ...) are not errors: the
 *     call returns LEDGER_OK and the result's outcome says what happened.
 *   - No C++ exception ever crosses this ABI: each is turned into its error code
 *     (LEDGER_ERR_INTERNAL for one the engine does not know, LEDGER_ERR_NO_MEMORY for an
 *     allocation failure). After an error, nothing was stored.
 *   - Memory. Everything the library hands out (strings, ledger_result, ledger_batch) is
 *     freed with ledger_free, once. A handle is closed with ledger_close. Pointers
 *     returned as `const` (ledger_version, ledger_errmsg, the accessors of a result) are
 *     owned by the library and live as long as the object they come from.
 *   - Strings in are NUL-terminated UTF-8; NULL is accepted where a parameter says
 *     "optional". Money is int64 minor units (1234 = 12.34 EUR), never floating point.
 *   - Stable for ever within ABI version 1: every function here keeps its signature, and
 *     every enum value keeps its number (they are written out below; new ones are only
 *     added). tests/abi/ checks both against the shared library.
 *
 * Threads
 *   - A ledger_handle is one connection: use it from one thread at a time (calls on one
 *     handle from two threads at once are not allowed; serialise them or give each thread
 *     its own handle on the same file). Handles on the same file may be used at the same
 *     time from any threads and processes: writers wait for each other up to the busy
 *     timeout, then fail with LEDGER_ERR_BUSY (nothing stored; retry with the same key).
 *   - A ledger_result and a ledger_batch are plain data: any thread may read them, one at a
 *     time may change a batch.
 *   - ledger_errmsg(handle) is the message of the handle's last failed call. Failures that
 *     have no handle (ledger_open, ledger_attach, ledger_batch_new, a NULL handle) keep
 *     their message per thread: ledger_errmsg(NULL) on the same thread.
 *   - ledger_version, ledger_abi_version and the *_name functions may be called from any
 *     thread at any time.
 */
#ifndef LEDGER_C_H
#define LEDGER_C_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LEDGER_C_API __attribute__((visibility("default")))
#else
#define LEDGER_C_API
#endif

struct sqlite3; /* the app's SQLite connection, from <sqlite3.h> */

/* One open ledger: a connection to a ledger file (ledger_open) or the app's own connection
 * (ledger_attach). */
typedef struct ledger_handle ledger_handle;
/* The outcome of one money-moving call. */
typedef struct ledger_result ledger_result;
/* Transfers to run in one commit (ledger_batch_run). */
typedef struct ledger_batch ledger_batch;

/* Error codes. Values are fixed for ever. */
enum ledger_error {
  LEDGER_OK = 0,
  LEDGER_ERR_INVALID_ARGUMENT = 1, /* a malformed argument, a NULL where one is needed */
  LEDGER_ERR_NOT_FOUND = 2,        /* the named account, key or file does not exist */
  LEDGER_ERR_ALREADY_EXISTS = 3,   /* an account with that code already exists */
  LEDGER_ERR_BUSY = 4,             /* another writer held the lock too long: retry */
  LEDGER_ERR_IO = 5,               /* disk full, device error: retry after fixing it */
  LEDGER_ERR_NOT_A_LEDGER = 6,     /* the file is not a ledger database */
  LEDGER_ERR_CORRUPT = 7,          /* the database file is damaged */
  LEDGER_ERR_NEWER_SCHEMA = 8,     /* written by a newer version of this library */
  LEDGER_ERR_OLDER_SCHEMA = 9,     /* read-only open of an older file: upgrade it first */
  LEDGER_ERR_UNSAFE_FILE = 10,     /* unsafe permissions, e.g. world-writable */
  LEDGER_ERR_INTERNAL = 11,        /* a bug, or an exception the engine does not know */
  LEDGER_ERR_NO_MEMORY = 12        /* an allocation failed */
};

/* Outcomes of money-moving calls (SPEC 4, 5). Values are fixed for ever. */
enum ledger_outcome {
  LEDGER_OUTCOME_CREATED = 0, /* executed now, or (replayed) earlier */
  /* business rejections: stored with the key, replayed on retry */
  LEDGER_OUTCOME_DEBIT_ACCOUNT_NOT_FOUND = 1,
  LEDGER_OUTCOME_CREDIT_ACCOUNT_NOT_FOUND = 2,
  LEDGER_OUTCOME_CURRENCY_MISMATCH = 3,
  LEDGER_OUTCOME_INSUFFICIENT_FUNDS = 4,
  LEDGER_OUTCOME_BALANCE_OVERFLOW = 5,
  LEDGER_OUTCOME_PENDING_NOT_FOUND = 6,
  LEDGER_OUTCOME_PENDING_ALREADY_POSTED = 7,
  LEDGER_OUTCOME_PENDING_ALREADY_VOIDED = 8,
  LEDGER_OUTCOME_PENDING_EXPIRED = 9,
  LEDGER_OUTCOME_POST_AMOUNT_EXCEEDS_PENDING = 10,
  LEDGER_OUTCOME_ORIGINAL_NOT_FOUND = 11,
  LEDGER_OUTCOME_REVERSAL_EXCEEDS_ORIGINAL = 12,
  LEDGER_OUTCOME_LINKED_BATCH_FAILED = 13,
  /* idempotency conflicts: nothing stored, nothing moved */
  LEDGER_OUTCOME_KEY_REUSED_WITH_DIFFERENT_REQUEST = 14,
  LEDGER_OUTCOME_KEY_UNKNOWN = 15,
  LEDGER_OUTCOME_KEY_EXPIRED = 16,
  LEDGER_OUTCOME_KEY_OPERATION_MISMATCH = 17,
  /* malformed request: nothing stored, the key stays usable */
  LEDGER_OUTCOME_INVALID_REQUEST = 18
};

/* What an outcome means for a retry. Values are fixed for ever. */
enum ledger_outcome_class {
  LEDGER_CLASS_DONE = 0,      /* created: stored, replayed on retry */
  LEDGER_CLASS_REJECTED = 1,  /* a business rejection: stored, replayed on retry */
  LEDGER_CLASS_CONFLICT = 2,  /* the key cannot be used for this request: nothing stored */
  LEDGER_CLASS_MALFORMED = 3  /* fix the request; the key stays usable */
};

/* How far below zero an account may go. Values are fixed for ever. */
enum ledger_overdraft {
  LEDGER_OVERDRAFT_NONE = 0,     /* balance >= 0 */
  LEDGER_OVERDRAFT_LIMIT = 1,    /* balance >= -overdraft_limit_minor */
  LEDGER_OVERDRAFT_UNLIMITED = 2 /* system accounts such as world or cash-drawer */
};

/* How ledger_batch_run treats a failing item. Values are fixed for ever. */
enum ledger_batch_mode {
  LEDGER_BATCH_INDEPENDENT = 0, /* a rejected item does not affect the others */
  LEDGER_BATCH_LINKED = 1       /* all or nothing */
};

/* Flags of ledger_open and ledger_attach (bitwise or; 0 for the defaults). Fixed for ever. */
enum ledger_open_flag {
  LEDGER_OPEN_READ_ONLY = 1,            /* never create, migrate or write (not with attach) */
  LEDGER_OPEN_NO_CREATE = 2,            /* refuse a missing file (NOT_FOUND) */
  LEDGER_OPEN_DURABILITY_NORMAL = 4,    /* synchronous=NORMAL: a power loss may lose the last
                                           commits (default: fsync every commit) */
  LEDGER_OPEN_ISSUED_KEYS_ONLY = 8,     /* refuse keys the ledger did not issue (KEY_UNKNOWN) */
  LEDGER_OPEN_ALLOW_WORLD_WRITABLE = 16 /* accept a file writable by everyone */
};

/* --- versions ------------------------------------------------------------------------ */

/* The version of the library loaded, e.g. "1.0.0" (compare LEDGER_VERSION_STRING, the one
 * compiled against). Static storage; never NULL. */
LEDGER_C_API const char* ledger_version(void);
/* The C ABI version of the library loaded. A program compiled against LEDGER_ABI_VERSION
 * should refuse to run if this differs. */
LEDGER_C_API int ledger_abi_version(void);
/* The newest file format (schema version) the library reads and writes. */
LEDGER_C_API int ledger_file_format_version(void);

/* --- names ----------------------------------------------------------------------------- */

/* "ok", "invalid_argument", "busy", ...; "unknown" for a value not listed above. */
LEDGER_C_API const char* ledger_error_name(int error);
/* The stable name of an outcome, as in stored responses: "created", "insufficient_funds";
 * "unknown" for a value not listed above. */
LEDGER_C_API const char* ledger_outcome_name(int outcome);
/* The enum ledger_outcome_class of an outcome; -1 for a value not listed above. */
LEDGER_C_API int ledger_outcome_class(int outcome);

/* --- errors and memory ------------------------------------------------------------------ */

/* The message of the last failed call on `ledger`, or with NULL, of this thread's last
 * failed call that had no handle. "" when there is none. Valid until the next call on the
 * handle (or, for NULL, the next failing handle-less call on this thread). Never NULL. */
LEDGER_C_API const char* ledger_errmsg(const ledger_handle* ledger);
/* Frees a string, ledger_result or ledger_batch the library returned. NULL is a no-op. */
LEDGER_C_API void ledger_free(void* pointer);

/* --- open, attach, close -------------------------------------------------------------- */

/* Opens (and unless LEDGER_OPEN_NO_CREATE or LEDGER_OPEN_READ_ONLY, creates with mode
 * 0600) the ledger file at `path`, applying missing schema migrations. busy_timeout_ms: how
 * long a writer waits for the write lock (0: the default, 5000). On success *out is the
 * handle; on failure *out is NULL and ledger_errmsg(NULL) says why. */
LEDGER_C_API int ledger_open(const char* path, unsigned flags, int busy_timeout_ms,
                             ledger_handle** out);
/* Runs the ledger on the app's own SQLite connection (SPEC 9), so that the app's rows and
 * the ledger's commit or roll back together: each call runs in a SAVEPOINT inside the
 * transaction the app has open (BEGIN IMMEDIATE), or in a transaction of its own when none
 * is open. Creating the ledger's tables needs no open transaction. The connection must
 * come from the same SQLite library this one is linked with (the system libsqlite3),
 * outlive the handle, and be used by one thread at a time. Close the handle before the
 * connection. Flags: LEDGER_OPEN_NO_CREATE, LEDGER_OPEN_ISSUED_KEYS_ONLY (READ_ONLY is
 * refused; durability is the connection's own). */
LEDGER_C_API int ledger_attach(struct sqlite3* connection, unsigned flags, ledger_handle** out);
/* Closes the handle (NULL is a no-op); an attached app connection stays open. */
LEDGER_C_API int ledger_close(ledger_handle* ledger);

/* --- accounts -------------------------------------------------------------------------- */

/* Creates an account. code: 1..128 bytes of UTF-8 (e.g. "till:7"); currency: ISO 4217
 * ("EUR"); overdraft: enum ledger_overdraft; overdraft_limit_minor: with LIMIT, how far
 * below zero (>= 0); name: optional. Errors: INVALID_ARGUMENT, ALREADY_EXISTS. */
LEDGER_C_API int ledger_create_account(ledger_handle* ledger, const char* code,
                                       const char* currency, int overdraft,
                                       int64_t overdraft_limit_minor, const char* name);
/* The posted balance and the amount held by pending reserves of an account (available =
 * balance - held). Either out-pointer may be NULL. Errors: NOT_FOUND. */
LEDGER_C_API int ledger_account_balance(ledger_handle* ledger, const char* code,
                                        int64_t* balance_minor, int64_t* held_minor);
/* Every account as a JSON array of {"code","currency","exponent","balance_minor",
 * "held_minor","available_minor","overdraft","overdraft_limit_minor","name",
 * "created_at_ms"}, NUL-terminated; *length (if not NULL) is its length. Free with
 * ledger_free. */
LEDGER_C_API int ledger_accounts_json(ledger_handle* ledger, char** json, size_t* length);

/* --- idempotency keys ------------------------------------------------------------------- */

/* Issues a fresh random key for `principal` and `operation` ("transfer", "reserve", "post",
 * "void", "reverse"); unused, it expires after ttl_seconds (0: the default, 24 h). *key is
 * NUL-terminated; free it with ledger_free. */
LEDGER_C_API int ledger_issue_key(ledger_handle* ledger, const char* principal,
                                  const char* operation, int64_t ttl_seconds, char** key);

/* --- money ------------------------------------------------------------------------------ */
/* Each call applies its request exactly once per (principal, key) and returns LEDGER_OK
 * with *result set (free it with ledger_free), whatever the outcome: read it with the
 * ledger_result_* accessors. A retry with the same key and request gets the stored
 * outcome again (replayed = 1) with the byte-identical body. An error return (BUSY, IO,
 * ...) means nothing was stored: retry with the same key. memo: optional. */

/* Moves amount_minor (> 0) from debit_account to credit_account. */
LEDGER_C_API int ledger_transfer(ledger_handle* ledger, const char* principal, const char* key,
                                 const char* debit_account, const char* credit_account,
                                 int64_t amount_minor, const char* currency, const char* memo,
                                 ledger_result** result);
/* Holds amount_minor on debit_account (card pre-authorisation) for timeout_seconds (0: the
 * default, 7 days); the result's sequence names the hold for post and void. */
LEDGER_C_API int ledger_reserve(ledger_handle* ledger, const char* principal, const char* key,
                                const char* debit_account, const char* credit_account,
                                int64_t amount_minor, const char* currency, const char* memo,
                                int64_t timeout_seconds, ledger_result** result);
/* Captures a hold: amount_minor 0 captures all of it, less releases the rest. */
LEDGER_C_API int ledger_post(ledger_handle* ledger, const char* principal, const char* key,
                             int64_t pending_sequence, int64_t amount_minor, const char* memo,
                             ledger_result** result);
/* Releases a hold. */
LEDGER_C_API int ledger_void(ledger_handle* ledger, const char* principal, const char* key,
                             int64_t pending_sequence, const char* memo,
                             ledger_result** result);
/* Refunds a posted transfer (its journal sequence) fully (amount_minor 0: everything not
 * yet refunded) or in part. */
LEDGER_C_API int ledger_reverse(ledger_handle* ledger, const char* principal, const char* key,
                                int64_t original_sequence, int64_t amount_minor,
                                const char* memo, ledger_result** result);

/* --- results ---------------------------------------------------------------------------- */

/* enum ledger_outcome. */
LEDGER_C_API int ledger_result_outcome(const ledger_result* result);
/* 1 if this is the stored outcome of an earlier call with the same key, else 0. */
LEDGER_C_API int ledger_result_replayed(const ledger_result* result);
/* The journal sequence the call produced (created), or 0. */
LEDGER_C_API int64_t ledger_result_sequence(const ledger_result* result);
/* The response body, a JSON object: for stored outcomes the byte-identical stored bytes on
 * every replay. NUL-terminated; *length (if not NULL) is its length in bytes. */
LEDGER_C_API const char* ledger_result_body(const ledger_result* result, size_t* length);
/* A one-line explanation of an outcome other than created; "" for created. */
LEDGER_C_API const char* ledger_result_message(const ledger_result* result);
/* With KEY_REUSED_WITH_DIFFERENT_REQUEST: the first differing field ("amount", ...); else "". */
LEDGER_C_API const char* ledger_result_differing_field(const ledger_result* result);

/* --- batches ---------------------------------------------------------------------------- */
/* Transfers applied in ONE commit, each with its own key and outcome (SPEC 5). */

/* A new empty batch; free it with ledger_free. */
LEDGER_C_API int ledger_batch_new(ledger_batch** out);
/* Appends a transfer (the arguments of ledger_transfer); the strings are copied. */
LEDGER_C_API int ledger_batch_add(ledger_batch* batch, const char* principal, const char* key,
                                  const char* debit_account, const char* credit_account,
                                  int64_t amount_minor, const char* currency,
                                  const char* memo);
/* The number of transfers added. */
LEDGER_C_API size_t ledger_batch_size(const ledger_batch* batch);
/* Runs every transfer of the batch in one commit (mode: enum ledger_batch_mode). On
 * LEDGER_OK each item's outcome is ledger_batch_result(batch, i); on an error nothing was
 * stored. Running the batch again is a retry: every item replays. */
LEDGER_C_API int ledger_batch_run(ledger_handle* ledger, ledger_batch* batch, int mode);
/* Item `index`'s result after a successful ledger_batch_run, owned by the batch (do not
 * free it); NULL if the batch has not run or index >= size. */
LEDGER_C_API const ledger_result* ledger_batch_result(const ledger_batch* batch, size_t index);

/* --- inspection ------------------------------------------------------------------------- */

/* Checks every invariant (balances = journal, zero sum per currency, the journal, outcome
 * and event chains, keys and their transfers, the rules, closings, ...). *ok is 1 if none
 * is violated. report (optional): a JSON object {"ok","accounts_checked",
 * "journal_rows_checked","keys_checked","outcomes_checked","events_checked",
 * "closings_checked","violations":[{"kind","where","detail"}]}, free with ledger_free;
 * length optional. */
LEDGER_C_API int ledger_verify(ledger_handle* ledger, int* ok, char** report, size_t* length);
/* Journal rows with sequence >= since_sequence, at most `limit` (1..100000), as a JSON array
 * of {"sequence","kind","debit_account","credit_account","amount_minor","currency","memo",
 * "principal","key","created_at_ms","clock_behind_ms","ref_sequence","hash"}
 * (clock_behind_ms: non-zero when the clock had gone back, see README "Clock guard").
 * Free with ledger_free. */
LEDGER_C_API int ledger_journal_json(ledger_handle* ledger, int64_t since_sequence,
                                     int64_t limit, char** json, size_t* length);

#ifdef __cplusplus
}
#endif

#endif /* LEDGER_C_H */
