#include "write_scope.h"

#include <fmt/format.h>

#include "accounts.h"
#include "outcome_chain.h"

namespace ledger::detail {

void flush_cached_writes(Impl& impl) {
  flush_balances(impl);
  flush_outcome_head(impl);
}

void WriteScope::commit() {
  flush_cached_writes(impl_);
  transaction_.commit();
  impl_.cache.clear();
}

void require_writable(const Impl& impl, std::string_view what) {
  if (!impl.options.read_only) return;
  throw Error(ErrorCode::invalid_argument,
              fmt::format("{}: {} was opened read-only (Options::read_only), which never "
                          "writes; open it without read_only to write",
                          what, impl.path));
}

}  // namespace ledger::detail
