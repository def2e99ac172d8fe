#include "connection_limit.h"

namespace ledgerd {
namespace {

// Refusing is quick (one 503 per request, no ledger), so two threads keep up; the bound
// on their queue keeps a flood of connections from growing memory.
constexpr std::size_t kRefusalThreads = 2;
constexpr std::size_t kRefusalBacklog = 256;

thread_local bool refusing_thread = false;

}  // namespace

BoundedTaskQueue::BoundedTaskQueue(std::size_t threads, std::size_t max_connections) {
  served_.capacity = max_connections;
  refused_.capacity = kRefusalBacklog;
  for (std::size_t i = 0; i < threads; ++i) {
    served_.threads.emplace_back([this] { work(served_, false); });
  }
  for (std::size_t i = 0; i < kRefusalThreads; ++i) {
    refused_.threads.emplace_back([this] { work(refused_, true); });
  }
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

bool BoundedTaskQueue::has_room(const Lane& lane) {
  return lane.jobs.size() + lane.running < lane.capacity;
}

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return has_room(served_) || has_room(refused_); });
  Lane& lane = has_room(served_) ? served_ : refused_;
  lane.jobs.push_back(std::move(fn));
  changed_.notify_all();
}

void BoundedTaskQueue::work(Lane& lane, bool refusing) {
  refusing_thread = refusing;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !lane.jobs.empty() || stopping_; });
    if (lane.jobs.empty()) return;  // stopping, and nothing left to serve
    std::function<void()> job = std::move(lane.jobs.front());
    lane.jobs.pop_front();
    ++lane.running;
    lock.unlock();
    job();
    lock.lock();
    --lane.running;
    changed_.notify_all();
  }
}

void BoundedTaskQueue::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  for (Lane* lane : {&served_, &refused_}) {
    for (auto& thread : lane->threads) thread.join();
  }
}

bool BoundedTaskQueue::refusing_connection() { return refusing_thread; }

}  // namespace ledgerd
