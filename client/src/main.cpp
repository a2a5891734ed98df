// animate: command-line client of the animate service (see `animate --help`).
#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
  return animate::client::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
