// SharedLedger: leader/follower group commit over one Ledger (see shared_ledger.h).
//
// Two mutexes, never held together by one thread:
//   queue_mutex       the queue of waiting callers, the leader flag and the stats; held
//                     only briefly, never during a commit, so callers can queue up while
//                     the leader waits for the disk;
//   connection_mutex  the Ledger itself: held by the leader for its commit and by
//                     with_ledger() for its call, so the connection is never used by two
//                     threads at once.
// A waiting caller sleeps on its own Signal, not on a condition variable of the queue: the
// leader hands it its answer (or the lead) with one release(), outside queue_mutex, so a
// woken caller does not first queue for the mutex the leader still holds.
#include "ledger/shared_ledger.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace ledger {
namespace {

// A one-shot wake-up. Not std::binary_semaphore: libstdc++'s spins and sched_yield()s
// before it sleeps, and when waiting callers outnumber the cores their spinning takes CPU
// from the leader, whose commit they all wait for. Safe to destroy as soon as acquire()
// returns: release() touches it only while holding its mutex.
class Signal {
 public:
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    condition_.notify_one();
  }
  void acquire() {
    std::unique_lock lock(mutex_);
    condition_.wait(lock, [this] { return released_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable condition_;
  bool released_ = false;
};

// One caller of transfer(), queued until a leader has booked its request or handed it the
// lead. It lives on the caller's stack: whoever releases `ready` must not touch the Waiter
// afterwards, because the caller may return at once.
struct Waiter {
  enum class Wake { answered, lead };
  const TransferRequest* request = nullptr;
  Waiter* next = nullptr;  // the queue's link, then the group's
  Wake wake = Wake::answered;
  TransferResult result;
  std::exception_ptr error;  // set instead of `result` when the booking threw
  Signal ready;
};

// Up to max_batch waiters taken from the queue's front, chained by `next`.
struct Group {
  Waiter* first = nullptr;
  std::size_t size = 0;

  // Reads each waiter's `next` before calling `fn` on it, so `fn` may release the waiter.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    Waiter* waiter = first;
    for (std::size_t i = 0; i < size; ++i) {
      Waiter* next = waiter->next;
      fn(*waiter);
      waiter = next;
    }
  }
};

// A FIFO of waiters, linked through the waiters themselves: queueing and taking a group
// allocate nothing, so they cannot fail.
class WaitQueue {
 public:
  void push(Waiter& waiter) {
    waiter.next = nullptr;
    (tail_ ? tail_->next : head_) = &waiter;
    tail_ = &waiter;
    ++size_;
  }

  Group take(std::size_t max) {
    Group group{head_, 0};
    Waiter* last = nullptr;
    while (head_ && group.size < max) {
      last = head_;
      head_ = head_->next;
      ++group.size;
    }
    size_ -= group.size;
    if (!head_) tail_ = nullptr;
    if (last) last->next = nullptr;
    return group;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] Waiter* front() const { return head_; }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

// The Error a transient failure of the group's batch gives each caller: the same code and
// SQLite code, worded for a single transfer (the batch's message says "transfer batch").
Error group_error(const Error& error, std::size_t group_size) noexcept {
  constexpr std::string_view kBatchPrefix = "transfer batch: ";
  std::string_view detail = error.what();
  if (detail.starts_with(kBatchPrefix)) detail.remove_prefix(kBatchPrefix.size());
  try {
    return Error(error.code(),
                 fmt::format("transfer (group commit of {} transfers): {}", group_size, detail),
                 error.sqlite_code());
  } catch (...) {
    return error;  // out of memory for the new wording: the batch's own message will do
  }
}

}  // namespace

struct SharedLedger::Impl {
  Impl(Ledger ledger_in, GroupCommitOptions group_in)
      : ledger(std::move(ledger_in)), group(group_in) {}

  // Books `group` and answers every waiter in it (result or error). Never throws: a
  // waiter left without an answer would wait forever.
  void book(const Group& group) noexcept;
  void book_together(const Group& group);
  void book_one_by_one(const Group& group) noexcept;
  // Books groups until `self`'s is booked, then hands the lead to the next queued caller.
  // REQUIRES: the caller holds the lead (leader_active was set for it).
  void lead(Waiter& self);

  Ledger ledger;  // guarded by connection_mutex
  const GroupCommitOptions group;
  std::mutex connection_mutex;

  std::mutex queue_mutex;
  WaitQueue queue;
  bool leader_active = false;
  // How many callers the last group suggests are active (those it answered and those
  // still queued); a leader waits at most group.max_wait for that many to queue. A lone
  // caller expects only itself, so it never waits.
  std::size_t expected_callers = 1;
  std::condition_variable arrivals;  // notified by every arrival; a waiting leader listens
  GroupCommitStats stats;
};

void SharedLedger::Impl::book_together(const Group& group) {
  std::vector<TransferRequest> requests;
  requests.reserve(group.size);
  group.for_each([&](Waiter& waiter) { requests.push_back(*waiter.request); });
  std::vector<TransferResult> results = ledger.transfer_batch(requests, BatchMode::independent);
  if (results.size() != group.size) {
    throw Error(ErrorCode::internal,
                fmt::format("group commit: transfer_batch answered {} of {} transfers; please "
                            "report this",
                            results.size(), group.size));
  }
  auto result = results.begin();
  group.for_each([&](Waiter& waiter) { waiter.result = std::move(*result++); });
}

// Each transfer in its own transaction, each caller with its own result or exception:
// exactly what separate Ledger::transfer calls give.
void SharedLedger::Impl::book_one_by_one(const Group& group) noexcept {
  group.for_each([&](Waiter& waiter) {
    try {
      waiter.result = ledger.transfer(*waiter.request);
    } catch (...) {
      waiter.error = std::current_exception();
    }
  });
}

void SharedLedger::Impl::book(const Group& group) noexcept {
  std::lock_guard connection(connection_mutex);
  // A group of one takes Ledger::transfer's path, which answers a replay without queueing
  // for SQLite's write lock.
  if (group.size == 1) {
    book_one_by_one(group);
    return;
  }
  try {
    book_together(group);
    return;
  } catch (const Error& error) {
    // Busy or I/O: the group's transaction was rolled back; every caller retries with its
    // same key, as after its own failed transfer. Retrying one by one here would only make
    // each wait out the busy timeout again.
    if (error.transient()) {
      const Error each = group_error(error, group.size);
      // A copy per caller: callers rethrow and catch it in their own threads.
      group.for_each([&](Waiter& waiter) { waiter.error = std::make_exception_ptr(each); });
      return;
    }
  } catch (...) {
  }
  // Anything else (a bug, a throwing clock) rolled the whole group back too: book each
  // transfer alone, so that a fault tied to one request fails that caller only.
  book_one_by_one(group);
}

void SharedLedger::Impl::lead(Waiter& self) {
  for (;;) {
    Group group;
    {
      std::unique_lock lock(queue_mutex);
      // Waits briefly for the callers the last group suggests are active: without it, the
      // callers still being answered when the next leader starts miss its group, steady
      // callers split into alternating half-size groups, and each group costs a commit.
      const std::size_t wanted = std::min(expected_callers, this->group.max_batch);
      if (queue.size() < wanted && this->group.max_wait.count() > 0) {
        arrivals.wait_for(lock, this->group.max_wait, [&] { return queue.size() >= wanted; });
      }
      group = queue.take(this->group.max_batch);
    }
    book(group);
    bool own_booked = false;
    Waiter* next_leader = nullptr;
    {
      std::lock_guard lock(queue_mutex);
      stats.commits += 1;
      stats.transfers += static_cast<std::int64_t>(group.size);
      stats.largest_batch = std::max(stats.largest_batch, static_cast<std::int64_t>(group.size));
      expected_callers = group.size + queue.size();
      group.for_each([&](Waiter& waiter) { own_booked = own_booked || &waiter == &self; });
      if (own_booked) {
        next_leader = queue.front();
        leader_active = next_leader != nullptr;  // an empty queue: the next caller leads
      }
    }
    group.for_each([&](Waiter& waiter) {
      if (&waiter == &self) return;
      waiter.wake = Waiter::Wake::answered;
      waiter.ready.release();
    });
    if (!own_booked) continue;  // more than max_batch callers were queued before ours
    // Then the next leader: answering the group first gives the callers that queue
    // meanwhile time to join the next leader's group, which makes it bigger.
    if (next_leader) {
      next_leader->wake = Waiter::Wake::lead;
      next_leader->ready.release();
    }
    return;
  }
}

SharedLedger SharedLedger::open(const std::string& path, const Options& options,
                                GroupCommitOptions group) {
  return SharedLedger(Ledger::open(path, options), group);
}

SharedLedger::SharedLedger(Ledger ledger, GroupCommitOptions group) {
  if (group.max_batch == 0) {
    throw Error(ErrorCode::invalid_argument,
                "GroupCommitOptions::max_batch must be at least 1 (the default is 256)");
  }
  impl_ = std::make_unique<Impl>(std::move(ledger), group);
}

SharedLedger::SharedLedger(SharedLedger&&) noexcept = default;
SharedLedger& SharedLedger::operator=(SharedLedger&&) noexcept = default;
SharedLedger::~SharedLedger() = default;

TransferResult SharedLedger::transfer(const TransferRequest& request) {
  // A malformed request is answered here: in a group it would refuse every other
  // caller's transfer with it (a batch with a malformed item runs nothing).
  if (auto malformed = check_request(request)) return std::move(*malformed);
  Waiter self;
  self.request = &request;
  bool leads = false;
  {
    std::lock_guard lock(impl_->queue_mutex);
    impl_->queue.push(self);
    impl_->arrivals.notify_one();  // no syscall when no leader waits
    leads = !std::exchange(impl_->leader_active, true);
  }
  // Either a leader answers us, or we are (or are made) the leader: the leader that books
  // our group's predecessor hands the lead to the first caller still queued.
  if (!leads) {
    self.ready.acquire();
    leads = self.wake == Waiter::Wake::lead;
  }
  if (leads) impl_->lead(self);
  if (self.error) std::rethrow_exception(self.error);
  return std::move(self.result);
}

void SharedLedger::run_exclusive(const std::function<void(Ledger&)>& fn) {
  std::lock_guard connection(impl_->connection_mutex);
  fn(impl_->ledger);
}

GroupCommitStats SharedLedger::stats() const {
  std::lock_guard lock(impl_->queue_mutex);
  GroupCommitStats now = impl_->stats;
  now.queued = static_cast<std::int64_t>(impl_->queue.size());
  return now;
}

}  // namespace ledger
