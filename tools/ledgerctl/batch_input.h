// Reading a batch file: JSON Lines, one transfer per line, every line checked before
// anything is sent to the ledger, so that a bad line stores nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli.h"
#include "ledger/types.h"

namespace ledgerctl {

// The bounds of one batch: every input is bounded (a batch is one write transaction).
inline constexpr std::size_t kBatchMaxItems = 10000;
inline constexpr std::size_t kBatchMaxLineBytes = std::size_t{1} << 20;    // 1 MiB
inline constexpr std::size_t kBatchMaxInputBytes = std::size_t{64} << 20;  // 64 MiB

// One transfer of the batch and the input line (1-based) it came from.
struct BatchItem {
  std::int64_t line = 0;
  ledger::TransferRequest request;
};

// Reads `path` ("-": standard input). Each line is one JSON object with the string fields
// "principal", "key", "from", "to", "amount" (decimal text in the currency, e.g. "12.34"),
// "currency" and optionally "memo"; blank lines are skipped; a trailing '\r' is ignored.
// Throws CliError (exit 2) naming the line for: a file that cannot be read, a line that is
// not a JSON object, a missing, repeated, unknown or non-string field, an unknown currency,
// a bad amount, more than kBatchMaxItems transfers, a line over kBatchMaxLineBytes, input
// over kBatchMaxInputBytes, or no transfer at all. The engine checks the rest (key and
// account code syntax, memo size, amount > 0) per item, like `transfer`.
[[nodiscard]] std::vector<BatchItem> read_batch(const std::string& path);

// Prints the results of a batch (results[i] is the outcome of items[i]): one JSON line per
// item, or with --json one document, then the summary line on stderr. Returns the exit
// code, the highest of the items' (batch.cpp says why). Used by the local and the remote
// mode alike.
int print_batch_results(const Globals& globals, const std::vector<BatchItem>& items,
                        const std::vector<ledger::TransferResult>& results, bool linked);

}  // namespace ledgerctl
