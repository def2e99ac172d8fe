// The scenarios. Each adds its figures to the report under its own section; figure names
// are unique over the whole run (see README-section.md for their meaning).
#pragma once

#include <string>

#include "config.h"
#include "report.h"

namespace bench {

void run_commit(const Config& config, Report& report);
void run_batch(const Config& config, Report& report);
void run_replay(const Config& config, Report& report);
void run_latency(const Config& config, Report& report);
void run_contention(const Config& config, Report& report);
// Threads sharing one SharedLedger (group commit) beside bare single commits (group.cpp).
void run_group(const Config& config, Report& report);
void run_scale(const Config& config, Report& report);
// A close of a day of rows, and verify without and with the public key (fiscal.cpp).
void run_fiscal(const Config& config, Report& report);
// The side of the scale scenario (`role` "engine" or "bare") that runs in its own process.
void run_scale_child(const Config& config, const std::string& role, const std::string& path,
                     Report& report);

// Scenario files: `name` in the run's directory. remove_db takes the -wal and -shm too,
// unless the run keeps its files (--keep).
[[nodiscard]] std::string db_path(const Config& config, const std::string& name);
void remove_db(const Config& config, const std::string& path);

}  // namespace bench
