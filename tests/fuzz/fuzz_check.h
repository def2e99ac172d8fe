// FUZZ_CHECK: a property of a fuzz target. When it does not hold, the target prints the
// expression and its place and aborts, so libFuzzer saves the input as a crash.
// It stays on in every build type (no NDEBUG), unlike assert().
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                               \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

// FUZZ_CHECK with an explanation (a C string) printed after the expression.
#define FUZZ_CHECK_MSG(condition, message)                                                      \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, #condition, \
                   (message));                                                                  \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)
