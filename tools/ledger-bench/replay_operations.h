// Replays of every money operation, not only of transfers: the exactly-once runner gives
// reserve, post, void and reverse the same lock-free replay read as transfer, and this part
// of the replay scenario shows whether they run as fast.
#pragma once

#include "config.h"
#include "report.h"

namespace bench {

// On a file of its own, books Config::replay_operation_keys completed keys of each of
// transfer, reserve, post, void and reverse through the public API, then replays each
// operation's keys with their very requests (each answer must be the stored outcome,
// flagged replayed) in rounds that rotate the five, on one connection. Reports each rate
// (replay_<operation>_rate) and its ratio to the transfer replays of the same file and
// rounds (ratio_replay_<operation>_vs_transfer).
void run_operation_replays(const Config& config, Report& report);

}  // namespace bench
