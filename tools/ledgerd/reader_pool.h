// A few read-only Ledgers on the ledger file, lent to one request at a time.
//
// Why: the writer (a SharedLedger) is one connection, held by each group commit for its
// fsync and by every with_ledger() call. Reads served through it (authenticating every
// request, balances, the journal, key records) would queue behind commits and make every
// request wait for the disk. In WAL mode SQLite readers never wait for the writer and see
// the last committed state, so each read runs on its own read-only connection
// (ledger::Options::read_only) and only money-moving calls queue for the writer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "ledger/ledger.h"

namespace ledgerd {

class ReaderPool {
 public:
  // Opens `size` read-only Ledgers on `path`. Throws ledger::Error as Ledger::open does.
  // REQUIRES: size >= 1.
  ReaderPool(const std::string& path, const ledger::Options& options, std::size_t size);

  // Runs fn(Ledger&) on a free reader (waiting for one if all are lent) and returns what it
  // returns. fn must not keep the Ledger& past its return.
  template <typename Fn>
  auto with_reader(Fn&& fn) -> std::invoke_result_t<Fn&, ledger::Ledger&> {
    Lease lease(*this);
    return fn(*lease.ledger);
  }

 private:
  class Lease {
   public:
    explicit Lease(ReaderPool& pool);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ledger::Ledger* ledger;

   private:
    ReaderPool& pool_;
  };

  std::vector<ledger::Ledger> readers_;
  std::vector<ledger::Ledger*> free_;
  std::mutex mutex_;
  std::condition_variable returned_;
};

}  // namespace ledgerd
