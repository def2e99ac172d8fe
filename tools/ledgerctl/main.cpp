// ledgerctl: the admin CLI of a ledger file (SPEC 7). Everything but the process set-up is
// ledgerctl::run (run.cpp), which the fuzz targets call in-process.
#include <csignal>

#include "run.h"

int main(int argc, char** argv) {
  // A closed pipe (`ledgerctl journal | head`) must end in an exit code, not SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  return ledgerctl::run(argc, argv);
}
