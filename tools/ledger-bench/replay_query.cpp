#include "replay_query.h"

#include <stdexcept>

#include "bare.h"
#include "key_store.h"

namespace bench {

EngineReplayQuery::EngineReplayQuery(const std::string& path, ledger::Durability durability,
                                     KeyGen& keys)
    : connection_(open_with_engine_settings(path, SQLITE_OPEN_READWRITE, durability, 5000,
                                            "replay query")) {
  try {
    std::vector<Row> rows;
    {
      ledger::detail::Statement all(connection_.handle,
                                    "SELECT principal, idem_key, fingerprint FROM idempotency_keys "
                                    "WHERE fingerprint IS NOT NULL");
      while (all.executeStep()) {
        rows.push_back(Row{all.getColumn(0).getString(),
                           ledger::detail::key_from_column(all.getColumn(1)),
                           all.getColumn(2).getString()});
      }
    }
    rows_ = shuffled_copy(rows, keys);  // as the scenario's other two sides walk theirs
    replay_.emplace(connection_.handle, ledger::detail::kReplayQuery);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("replay query: reading the keys of ") + path + ": " +
                             e.what());
  }
}

bool EngineReplayQuery::lookup(std::size_t at, std::string& body) {
  const Row& row = rows_[at];
  ledger::detail::Statement& replay = *replay_;
  try {
    replay.bindNoCopy(1, row.principal);
    ledger::detail::bind_key(replay, 2, row.key, key_scratch_);
    replay.bindNoCopy(3, row.fingerprint.data(), static_cast<int>(row.fingerprint.size()));
    const bool found = replay.executeStep();
    if (found) {
      const SQLite::Column response = replay.getColumn(0);
      body.assign(response.getText(), static_cast<std::size_t>(response.getBytes()));
      (void)replay.getColumn(1).getInt64();  // read, as the engine reads it
    }
    replay.tryReset();
    return found;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("replay query: ") + e.what());
  }
}

}  // namespace bench
