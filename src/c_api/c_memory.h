// Memory the C ABI hands out. Every block carries a small header naming what it holds, so
// that one function, ledger_free, frees strings, results and batches alike (SPEC 9).
#pragma once

#include <cstddef>
#include <new>
#include <string_view>
#include <utility>

#include "c_types.h"

namespace ledger::c_api {

enum class BlockKind : unsigned { string = 1, result = 2, batch = 3 };

// ledger_free's work: destroys what the block holds and frees it.
void free_block(void* pointer) noexcept;

// Raw storage of `size` bytes after a header saying it holds a string (nothing to
// destroy); throws std::bad_alloc.
[[nodiscard]] void* allocate_block(std::size_t size);
// Marks a block as holding a constructed object of `kind`, for ledger_free to destroy.
void set_block_kind(void* pointer, BlockKind kind) noexcept;

// A NUL-terminated copy of `text` that ledger_free frees.
[[nodiscard]] char* copy_string(std::string_view text);

// A `T` (ledger_result or ledger_batch) that ledger_free destroys and frees.
template <class T, BlockKind kind, class... Args>
[[nodiscard]] T* make_object(Args&&... args) {
  void* storage = allocate_block(sizeof(T));
  T* object = nullptr;
  try {
    object = new (storage) T(std::forward<Args>(args)...);
  } catch (...) {
    free_block(storage);  // still marked raw storage: nothing to destroy
    throw;
  }
  set_block_kind(storage, kind);
  return object;
}

}  // namespace ledger::c_api
