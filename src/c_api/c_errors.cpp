#include "c_errors.h"

#include <fmt/format.h>

#include <iterator>
#include <new>
#include <string>

namespace ledger::c_api {
namespace {

thread_local std::string this_thread_message;

// The ErrorCode of each C error number from LEDGER_ERR_INVALID_ARGUMENT (1) on, in order.
constexpr ErrorCode kErrorCodesFromOne[] = {
    ErrorCode::invalid_argument, ErrorCode::not_found,    ErrorCode::already_exists,
    ErrorCode::busy,             ErrorCode::io,           ErrorCode::not_a_ledger,
    ErrorCode::corrupt,          ErrorCode::newer_schema, ErrorCode::older_schema,
    ErrorCode::unsafe_file,      ErrorCode::internal,
};

}  // namespace

std::optional<ErrorCode> from_c_error(int error) {
  if (error < LEDGER_ERR_INVALID_ARGUMENT ||
      error >= LEDGER_ERR_INVALID_ARGUMENT + static_cast<int>(std::size(kErrorCodesFromOne))) {
    return std::nullopt;
  }
  return kErrorCodesFromOne[error - LEDGER_ERR_INVALID_ARGUMENT];
}

int to_c_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return LEDGER_ERR_INVALID_ARGUMENT;
    case ErrorCode::not_found:
      return LEDGER_ERR_NOT_FOUND;
    case ErrorCode::already_exists:
      return LEDGER_ERR_ALREADY_EXISTS;
    case ErrorCode::busy:
      return LEDGER_ERR_BUSY;
    case ErrorCode::io:
      return LEDGER_ERR_IO;
    case ErrorCode::not_a_ledger:
      return LEDGER_ERR_NOT_A_LEDGER;
    case ErrorCode::corrupt:
      return LEDGER_ERR_CORRUPT;
    case ErrorCode::newer_schema:
      return LEDGER_ERR_NEWER_SCHEMA;
    case ErrorCode::older_schema:
      return LEDGER_ERR_OLDER_SCHEMA;
    case ErrorCode::unsafe_file:
      return LEDGER_ERR_UNSAFE_FILE;
    case ErrorCode::internal:
      return LEDGER_ERR_INTERNAL;
  }
  return LEDGER_ERR_INTERNAL;
}

int fail(ledger_handle* handle, int code, std::string_view message) noexcept {
  try {
    (handle != nullptr ? handle->errmsg : this_thread_message).assign(message);
  } catch (...) {
    // Out of memory for the message itself: the code still says what happened.
  }
  return code;
}

int fail_with_current_exception(ledger_handle* handle) noexcept {
  try {
    throw;
  } catch (const Error& error) {
    return fail(handle, to_c_error(error.code()), error.what());
  } catch (const std::bad_alloc&) {
    return fail(handle, LEDGER_ERR_NO_MEMORY,
                "out of memory: free memory in the app, then retry (nothing was stored)");
  } catch (const std::exception& error) {
    try {
      return fail(handle, LEDGER_ERR_INTERNAL,
                  fmt::format("internal error: {} (nothing was stored; please report this "
                              "with the ledger file)",
                              error.what()));
    } catch (...) {
      return fail(handle, LEDGER_ERR_INTERNAL, "internal error (nothing was stored)");
    }
  } catch (...) {
    return fail(handle, LEDGER_ERR_INTERNAL,
                "internal error: an unknown exception (nothing was stored; please report this)");
  }
}

int null_handle(const char* function) noexcept {
  try {
    return fail(nullptr, LEDGER_ERR_INVALID_ARGUMENT,
                fmt::format("{}: the ledger handle is NULL; open one with ledger_open or "
                            "ledger_attach",
                            function));
  } catch (...) {
    return fail(nullptr, LEDGER_ERR_INVALID_ARGUMENT, "the ledger handle is NULL");
  }
}

const char* thread_message() noexcept { return this_thread_message.c_str(); }

const char* required(const char* value, const char* function, const char* name) {
  if (value == nullptr) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{}: {} is NULL; pass a NUL-terminated UTF-8 string", function, name));
  }
  return value;
}

void require_pointer(const void* pointer, const char* function, const char* name) {
  if (pointer == nullptr) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{}: {} is NULL; pass a valid pointer", function, name));
  }
}

}  // namespace ledger::c_api
