#include "c_memory.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ledger::c_api {
namespace {

// "LDGRMEM" + 1: a block that is not ours (or was freed already) is left alone rather
// than destroyed as something it is not.
constexpr std::uint64_t kMagic = 0x4c444752'4d454d01ULL;

struct alignas(std::max_align_t) BlockHeader {
  std::uint64_t magic;
  BlockKind kind;
};

BlockHeader* header_of(void* pointer) {
  return reinterpret_cast<BlockHeader*>(static_cast<char*>(pointer) - sizeof(BlockHeader));
}

}  // namespace

void* allocate_block(std::size_t size) {
  void* raw = std::malloc(sizeof(BlockHeader) + size);
  if (raw == nullptr) throw std::bad_alloc();
  auto* header = new (raw) BlockHeader{kMagic, BlockKind::string};
  return header + 1;
}

void set_block_kind(void* pointer, BlockKind kind) noexcept { header_of(pointer)->kind = kind; }

char* copy_string(std::string_view text) {
  auto* copy = static_cast<char*>(allocate_block(text.size() + 1));
  if (!text.empty()) std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

void free_block(void* pointer) noexcept {
  if (pointer == nullptr) return;
  BlockHeader* header = header_of(pointer);
  if (header->magic != kMagic) return;
  switch (header->kind) {
    case BlockKind::result:
      static_cast<ledger_result*>(pointer)->~ledger_result();
      break;
    case BlockKind::batch:
      static_cast<ledger_batch*>(pointer)->~ledger_batch();
      break;
    case BlockKind::string:
      break;
  }
  header->magic = 0;
  std::free(header);
}

}  // namespace ledger::c_api
