# Read by cpack when it runs (CPACK_PROJECT_CONFIG_FILE): a package must not ship a test
# build's library (failpoints that abort or throw on an environment variable, sanitizer
# runtimes). LEDGER_PACKAGE_TEST_BUILD=1 lets the package tests pack their own test build.
if(CPACK_LEDGER_TEST_BUILD_OPTIONS AND NOT "$ENV{LEDGER_PACKAGE_TEST_BUILD}" STREQUAL "1")
  string(REPLACE ";" ", " options_text "${CPACK_LEDGER_TEST_BUILD_OPTIONS}")
  message(FATAL_ERROR "this build directory is a test build (${options_text} ON): its "
    "library must not be packaged. Configure a separate build directory with "
    "-DLEDGER_FAILPOINTS=OFF -DLEDGER_SANITIZE=OFF -DLEDGER_TSAN=OFF, build it and run cpack "
    "there (LEDGER_PACKAGE_TEST_BUILD=1 packs a test build anyway, for tests only)")
endif()
