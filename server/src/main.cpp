// animate-server: configuration from flags and environment, then serve until
// SIGTERM/SIGINT (graceful shutdown); SIGHUP re-reads the API keys file.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server_app.h"
#include "server_config.h"

namespace {

// Self-pipe: the handler only writes the signal number (async-signal-safe);
// a normal thread reads it and does the work. Works whichever thread the
// kernel picks for the signal (libraries may start threads before main).
std::array<int, 2> signal_pipe{-1, -1};

extern "C" void forward_signal(int signal_number) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal_number);
  [[maybe_unused]] const auto written = ::write(signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

bool install_signal_handlers() {
  if (::pipe2(signal_pipe.data(), O_CLOEXEC) != 0) return false;
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    if (::sigaction(signal_number, &action, nullptr) != 0) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace animate::server;
  ParsedCommandLine parsed;
  try {
    parsed =
        parse_command_line(std::vector<std::string>(argv + 1, argv + argc), process_environment());
  } catch (const ConfigError& error) {
    std::cerr << "animate-server: " << error.what() << "\n";
    return 2;
  }
  if (parsed.help) {
    std::cout << help_text();
    return 0;
  }
  if (!install_signal_handlers()) {
    std::cerr << "animate-server: cannot install signal handlers\n";
    return 1;
  }

  std::unique_ptr<ServerApp> app;
  try {
    app = std::make_unique<ServerApp>(parsed.config);
  } catch (const std::exception& error) {
    std::cerr << "animate-server: " << error.what() << "\n";
    return 1;
  }

  std::thread signal_thread([&] {
    while (true) {
      unsigned char signal_number = 0;
      const auto got = ::read(signal_pipe[0], &signal_number, 1);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return;
      if (signal_number == SIGHUP) {
        app->reload_api_keys();
        continue;
      }
      app->shutdown();
      return;
    }
  });
  app->wait();
  signal_thread.join();
  return 0;
}
