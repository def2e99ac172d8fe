#include "sync_status.h"

#include <algorithm>

#include "edge_snapshot.h"
#include "pg_connection.h"

namespace ledger::central {

namespace {

SyncStatus status_of(EdgeSnapshot& edge, const std::string& conninfo) {
  PgConnection pg(conninfo);
  SyncStatus status;
  status.ledger_id = edge.ledger_id();
  status.edge_seq = edge.last_seq();
  status.edge_closings = static_cast<std::int64_t>(edge.closings().size());
  const PgResult schema = pg.exec("SELECT to_regclass('ledger_hq.ledgers') IS NOT NULL");
  if (schema.text(0, 0) == "t") {
    const PgResult ledger = pg.exec(
        "SELECT store, head_seq, head_hash, "
        "to_char(last_push_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "(SELECT count(*) FROM ledger_hq.closings c WHERE c.ledger_id = l.ledger_id), "
        "(SELECT count(*) FROM ledger_hq.forks f WHERE f.ledger_id = l.ledger_id) "
        "FROM ledger_hq.ledgers l WHERE ledger_id = $1",
        {status.ledger_id});
    if (ledger.rows() == 1) {
      status.registered = true;
      status.store = std::string(ledger.text(0, 0));
      status.central_seq = ledger.integer(0, 1);
      status.in_agreement = status.central_seq <= status.edge_seq &&
                            edge.hash_at(status.central_seq) == ledger.bytes(0, 2);
      status.last_push_at = std::string(ledger.text(0, 3));
      status.central_closings = ledger.integer(0, 4);
      status.forks = ledger.integer(0, 5);
    }
  }
  status.behind = std::max<std::int64_t>(0, status.edge_seq - status.central_seq);
  return status;
}

}  // namespace

SyncStatus sync_status(const std::string& db_path, const std::string& conninfo) {
  return reading_edge(db_path, [&] {
    EdgeSnapshot edge(db_path);
    return status_of(edge, conninfo);
  });
}

}  // namespace ledger::central
