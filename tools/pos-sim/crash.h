// The "process dies mid-operation" fault, done for real: the transfer runs in a child
// process (this executable re-executed in child mode, with its own connection), and the
// parent SIGKILLs it a random moment after it has entered Ledger::transfer(). Sometimes
// the transfer had committed, sometimes not; the till cannot tell, and must retry.
#pragma once

#include <cstdint>

#include "ledger/ledger.h"

namespace pos_sim {

// The first argument that puts this executable in child mode.
inline constexpr const char* kChildFlag = "--internal-child-transfer";

// Runs `request` in a child process on `db_path` and SIGKILLs it `delay_us` after the
// child enters transfer(). Throws std::runtime_error if the child could not be started or
// failed before reaching transfer() (e.g. it could not open the ledger).
void run_and_kill(const std::string& db_path, ledger::Durability durability,
                  const ledger::TransferRequest& request, std::int64_t delay_us);

// The child's main(): argv as given to the process. Returns the exit code.
int child_main(int argc, char** argv);

}  // namespace pos_sim
