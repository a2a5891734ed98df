// A child process for scenario tests that drive the real binaries: stdout and
// stderr go to a log file; killed (SIGKILL) if the test ends without reaping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace animate::testing {

class ChildProcess {
 public:
  // args[0] is the executable's path. `environment` entries are added to (or
  // replace those of) this process's environment.
  ChildProcess(const std::vector<std::string>& args, const std::string& log_path,
               const std::map<std::string, std::string>& environment = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void signal(int number) const;
  // True while it has not exited.
  bool running();
  // The exit status; -1 when it did not exit in time, 128 + N when signal N
  // ended it.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

void sleep_briefly();

// Polls `predicate` every 50 ms until it holds or `timeout` passes.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    sleep_briefly();
  }
  return predicate();
}

// The whole content of a file ("" when it cannot be read).
std::string read_text_file(const std::string& path);

}  // namespace animate::testing
