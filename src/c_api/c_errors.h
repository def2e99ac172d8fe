// How the C ABI turns C++ failures into error codes: no exception ever crosses it.
#pragma once

#include <optional>
#include <string_view>

#include "c_types.h"

namespace ledger::c_api {

// The C value of an ErrorCode (the numbers ledger_c.h fixes for ever).
[[nodiscard]] int to_c_error(ErrorCode code);
// The ErrorCode of a C error number, or nullopt for LEDGER_OK, LEDGER_ERR_NO_MEMORY (which
// have none) and numbers ledger_c.h does not list.
[[nodiscard]] std::optional<ErrorCode> from_c_error(int error);

// Records `message` as the last failure of `handle` (of this thread when handle is null)
// and returns `code`.
int fail(ledger_handle* handle, int code, std::string_view message) noexcept;

// The code and message of the exception being handled; call only inside a catch block.
int fail_with_current_exception(ledger_handle* handle) noexcept;

// A handle-bound call made with a NULL handle: INVALID_ARGUMENT, the message kept for
// this thread.
int null_handle(const char* function) noexcept;

// This thread's last handle-less failure (ledger_errmsg(NULL)).
[[nodiscard]] const char* thread_message() noexcept;

// Runs `body` (which returns LEDGER_OK or an error code) and turns any exception it
// throws into its error code.
template <class Body>
int guarded(ledger_handle* handle, Body&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return fail_with_current_exception(handle);
  }
}

// The string argument `name` of `function`, which must not be NULL: throws
// Error{invalid_argument} naming both otherwise.
const char* required(const char* value, const char* function, const char* name);
// An optional string argument: NULL reads as "".
inline const char* optional(const char* value) { return value == nullptr ? "" : value; }
// Throws Error{invalid_argument} unless `pointer` (an out-parameter or handle) is set.
void require_pointer(const void* pointer, const char* function, const char* name);

}  // namespace ledger::c_api
