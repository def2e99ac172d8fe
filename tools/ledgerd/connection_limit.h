// A bounded connection queue for httplib::Server (its `new_task_queue`).
//
// httplib 0.11.4 hands every accepted connection to its TaskQueue and serves it on one
// thread from first request to close; its own ThreadPool queues without bound. This queue
// admits at most `max_connections` connections at once: `threads` are served, the rest wait
// for a thread. A connection past the bound is not served: it is handed to a small refusal
// pool, where refusing_connection() is true, and the server answers each of its requests
// with 503 + Retry-After without touching the ledger. Should the refusal pool fall behind
// as well, the accept loop waits for room (the kernel's listen backlog holds the rest).
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ledgerd {

class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  // REQUIRES: 1 <= threads <= max_connections.
  BoundedTaskQueue(std::size_t threads, std::size_t max_connections);
  ~BoundedTaskQueue() override;

  void enqueue(std::function<void()> fn) override;
  // Serves every admitted connection to its end (httplib has stopped accepting and ends
  // each connection after its current request), then joins the threads.
  void shutdown() override;

  // True on a thread of the refusal pool: the connection it serves was over the bound.
  [[nodiscard]] static bool refusing_connection();

 private:
  struct Lane {
    std::deque<std::function<void()>> jobs;
    std::size_t running = 0;
    std::size_t capacity = 0;  // jobs + running may not pass it
    std::vector<std::thread> threads;
  };
  void work(Lane& lane, bool refusing);
  [[nodiscard]] static bool has_room(const Lane& lane);

  std::mutex mutex_;
  std::condition_variable changed_;
  Lane served_;
  Lane refused_;
  bool stopping_ = false;
};

}  // namespace ledgerd
