#include "reader_pool.h"

namespace ledgerd {

ReaderPool::ReaderPool(const std::string& path, const ledger::Options& options, std::size_t size) {
  readers_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) readers_.push_back(ledger::Ledger::open(path, options));
  for (auto& reader : readers_) free_.push_back(&reader);
}

ReaderPool::Lease::Lease(ReaderPool& pool) : pool_(pool) {
  std::unique_lock lock(pool_.mutex_);
  pool_.returned_.wait(lock, [&] { return !pool_.free_.empty(); });
  ledger = pool_.free_.back();
  pool_.free_.pop_back();
}

ReaderPool::Lease::~Lease() {
  {
    std::lock_guard lock(pool_.mutex_);
    pool_.free_.push_back(ledger);
  }
  pool_.returned_.notify_one();
}

}  // namespace ledgerd
