# One multiplier for every test timeout: the CTest TIMEOUT of each test and the time limits
# the tests set themselves (the CLI harness's subprocess limits, the crash harness's waits
# for its children). A test must not fail because the machine is slow or busy.
#
# LEDGER_TEST_TIMEOUT_SCALE, a whole number >= 1, is read from the environment each time
# CMake configures (tools/bootstrap.sh configures on every run). Unset, it is 4 in
# sanitizer builds (LEDGER_SANITIZE or LEDGER_TSAN: several times slower) and 1 otherwise.
# It is not cached, so that a value given once cannot silently stick to a build directory.
#
# Every test gets the same number in its environment (CTest sets it when it reads the test
# list), so that a test's own limits and its CTest TIMEOUT scale together. Each test's
# TIMEOUT is its budget on an idle machine without sanitizers, times the scale:
#   ledger_test_timeout(<out-var> <seconds>)   sets <out-var> to seconds x scale
if(DEFINED ENV{LEDGER_TEST_TIMEOUT_SCALE} AND NOT "$ENV{LEDGER_TEST_TIMEOUT_SCALE}" STREQUAL "")
  set(LEDGER_TEST_TIMEOUT_SCALE "$ENV{LEDGER_TEST_TIMEOUT_SCALE}")
elseif(LEDGER_SANITIZE OR LEDGER_TSAN)
  set(LEDGER_TEST_TIMEOUT_SCALE 4)
else()
  set(LEDGER_TEST_TIMEOUT_SCALE 1)
endif()
if(NOT LEDGER_TEST_TIMEOUT_SCALE MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "LEDGER_TEST_TIMEOUT_SCALE must be a whole number >= 1, "
                      "not \"${LEDGER_TEST_TIMEOUT_SCALE}\"")
endif()
message(STATUS "Test timeouts x${LEDGER_TEST_TIMEOUT_SCALE} (LEDGER_TEST_TIMEOUT_SCALE)")
# A file CTest includes before it runs any test: one place for every test's environment
# (ENVIRONMENT properties would have to be repeated on each test, and doctest's discovered
# tests take only one value there).
set(LEDGER_TEST_TIMEOUT_FILE ${CMAKE_BINARY_DIR}/test_timeout_scale.cmake)
file(WRITE ${LEDGER_TEST_TIMEOUT_FILE}
     "set(ENV{LEDGER_TEST_TIMEOUT_SCALE} ${LEDGER_TEST_TIMEOUT_SCALE})\n")
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY TEST_INCLUDE_FILES
             ${LEDGER_TEST_TIMEOUT_FILE})

function(ledger_test_timeout out seconds)
  math(EXPR scaled "${seconds} * ${LEDGER_TEST_TIMEOUT_SCALE}")
  set(${out} ${scaled} PARENT_SCOPE)
endfunction()
