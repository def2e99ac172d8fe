// The ingest comparison: C edge ledgers pushed at once through sync push
// (ledger::central::push_ledger, C threads), against PostgreSQL's bare COPY of the same
// rows into an equivalent table (C threads, one COPY per ledger), in the same run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edges.h"

namespace central_bench {

// DROP SCHEMA ledger_hq CASCADE, then the central migrations: an empty head office.
void reset_central(const std::string& conninfo);

// Pushes edges[0..count) at once, one thread each (default PushOptions: batch 5000), and
// checks that head office then holds every row. Wall-clock seconds from the first thread
// starting to the last push returning (each push connects, registers its ledger, ships its
// accounts, journal, closings and chain heads).
[[nodiscard]] double time_ingest(const std::string& conninfo, const std::vector<EdgeLedger>& edges,
                                 int count);

// A fresh bench_bare.journal with ledger_hq.journal's columns, constraints and primary
// key (ledger_id, seq) (CREATE TABLE ... LIKE ... INCLUDING ALL).
void reset_bare(const std::string& conninfo);

// COPYs copy_text[0..count) at once, one thread and connection each (connected before the
// clock starts), one COPY (one transaction) per ledger; checks the row count.
[[nodiscard]] double time_bare(const std::string& conninfo, const std::vector<std::string>& copy_text,
                               int count, std::int64_t rows_per_ledger);

// CHECKPOINT, so that no phase pays for the previous phase's dirty pages (ignored when the
// role may not checkpoint).
void checkpoint(const std::string& conninfo);

}  // namespace central_bench
