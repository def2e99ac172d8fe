# What `cmake --install` puts into a prefix and what `cpack -G DEB` packs (README
# "Embedding"): the public headers, libledger.a and libledger.so.<ABI>, the CMake package
# (find_package(ledger CONFIG) -> ledger::ledger, ledger::ledger_static), ledger.pc, and
# the tools (ledgerctl and ledgerd install themselves in tools/*/CMakeLists.txt).
#
# Everything installed is relocatable: ledgerConfig.cmake and ledger.pc find the prefix from
# their own location, so a copy unpacked anywhere (dpkg -x, a tarball) works as it is.
include(CMakePackageConfigHelpers)

if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative to "
                      "the prefix (e.g. lib, include) for ledger's package to be relocatable; "
                      "set the prefix with CMAKE_INSTALL_PREFIX or cmake --install --prefix")
endif()
set(LEDGER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ledger)
set(LEDGER_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The public headers. client.h is not among them: ledger::client (the HTTP client of
# ledgerd) is not installed, since embedding the engine needs no HTTP.
set(LEDGER_PUBLIC_HEADERS ledger.h types.h error.h money.h version.h ledger_c.h
  shared_ledger.h fiscal.h)
list(TRANSFORM LEDGER_PUBLIC_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/include/ledger/)
install(FILES ${LEDGER_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ledger)

# The namelink libledger.so goes with the real file and its SONAME link libledger.so.1.
install(TARGETS ledger ledger-shared EXPORT ledgerTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT ledgerTargets NAMESPACE ledger:: DESTINATION ${LEDGER_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ledgerConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/ledgerConfig.cmake
  INSTALL_DESTINATION ${LEDGER_CMAKE_DIR})
# A program built against 1.x works with every later 1.y (README "Versions and stability").
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/ledgerConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/ledgerConfig.cmake
              ${PROJECT_BINARY_DIR}/package/ledgerConfigVersion.cmake
        DESTINATION ${LEDGER_CMAKE_DIR})

# ledger.pc names the prefix relative to its own directory (${pcfiledir}).
file(RELATIVE_PATH LEDGER_PC_TO_PREFIX /prefix/${LEDGER_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" LEDGER_PC_TO_PREFIX "${LEDGER_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/ledger.pc.in ${PROJECT_BINARY_DIR}/package/ledger.pc
  @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/ledger.pc DESTINATION ${LEDGER_PKGCONFIG_DIR})

# A build with crash-test failpoints or sanitizers is for tests: its library aborts or
# throws when LEDGER_FAILPOINT is set, or needs the sanitizer runtime. Installing it is
# allowed (the package tests do) but said; packaging it for others is refused (below).
set(LEDGER_TEST_BUILD_OPTIONS)
foreach(option LEDGER_FAILPOINTS LEDGER_SANITIZE LEDGER_TSAN)
  if(${option})
    list(APPEND LEDGER_TEST_BUILD_OPTIONS ${option})
  endif()
endforeach()
if(LEDGER_TEST_BUILD_OPTIONS)
  string(REPLACE ";" ", " options_text "${LEDGER_TEST_BUILD_OPTIONS}")
  install(CODE "message(WARNING \"installing a test build of ledger (${options_text}): \"
    \"configure a separate build directory with those options OFF to install for use\")")
endif()

# --- cpack -G DEB ---------------------------------------------------------------------------
# Debian's own "ledger" is another program (ledger-cli 3.x): a package of that name would be
# replaced by it on the next apt upgrade. This one is named for what it mostly is: the
# library to build against.
set(CPACK_PACKAGE_NAME libledger-dev)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "embedded double-entry money ledger with exactly-once transfers (library and tools)")
set(CPACK_PACKAGE_DESCRIPTION
  "ledger keeps accounts, balances and an append-only, hash-chained journal in one SQLite\n\
file and applies every transfer exactly once per idempotency key: a retry gets the\n\
byte-identical stored response. This package holds the headers, libledger.a,\n\
libledger.so.${LEDGER_ABI_VERSION} (C ABI and C++ API), the CMake package and ledger.pc, and the\n\
ledgerctl and ledgerd tools.")
set(LEDGER_PACKAGE_MAINTAINER
  "ledger maintainers <maintainers@users.noreply.h-seed-58fac3c4.example>"
  CACHE STRING "The Maintainer field of the .deb that cpack makes")
set(CPACK_PACKAGE_CONTACT "${LEDGER_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LEDGER_PACKAGE_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# ledgerConfig.cmake finds what linking ledger::ledger_static needs, through these.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libsqlite3-dev, libsqlitecpp-dev, libfmt-dev, nlohmann-json3-dev, libssl-dev, libicu-dev")
# The run-time libraries of libledger.so, ledgerctl and ledgerd (libsqlite3, libicu,
# libssl, cpp-httplib, prometheus-cpp, ...), computed from the binaries by dpkg-shlibdeps
# (Debian package dpkg-dev, in tools/bootstrap.sh), which CPack then appends.
find_program(LEDGER_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(LEDGER_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(STATUS "dpkg-shlibdeps not found (Debian package dpkg-dev): the .deb cpack makes "
                 "will depend only on the -dev packages, not on the run-time libraries")
endif()
# A shlibs file, so that packages built against libledger.so.1 depend on this one.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_LEDGER_TEST_BUILD_OPTIONS "${LEDGER_TEST_BUILD_OPTIONS}")
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/cpack_project_config.cmake)
include(CPack)
