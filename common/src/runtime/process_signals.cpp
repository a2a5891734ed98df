#include "animate/runtime/process_signals.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>

namespace animate::runtime {
namespace {

// The handler's only state: where to write. Lock-free, so safe in a handler.
std::atomic<int> g_write_fd{-1};
// Written by the destructor to end the watcher.
constexpr unsigned char kQuit = 0xFF;

extern "C" void forward_signal(int number) {
  const int saved_errno = errno;
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(number);
    [[maybe_unused]] const ssize_t ignored = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

void install(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int number : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(number, &action, nullptr);
}

}  // namespace

ProcessSignals::ProcessSignals() {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error("ProcessSignals: pipe2 failed");
  // The write end must never block a handler.
  ::fcntl(pipe_[1], F_SETFL, O_NONBLOCK);
  int expected = -1;
  if (!g_write_fd.compare_exchange_strong(expected, pipe_[1])) {
    ::close(pipe_[0]);
    ::close(pipe_[1]);
    throw std::logic_error("ProcessSignals: one per process");
  }
  install(forward_signal);
  watcher_ = std::thread([this] { watch(); });
}

ProcessSignals::~ProcessSignals() {
  install(SIG_DFL);
  g_write_fd = -1;
  const unsigned char quit = kQuit;
  [[maybe_unused]] const ssize_t ignored = ::write(pipe_[1], &quit, 1);
  watcher_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void ProcessSignals::on_reload(std::function<void()> reload) {
  const std::lock_guard lock(mutex_);
  reload_ = std::move(reload);
}

void ProcessSignals::watch() {
  while (true) {
    unsigned char number = 0;
    const ssize_t got = ::read(pipe_[0], &number, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || number == kQuit) return;
    if (number == SIGHUP) {
      std::function<void()> reload;
      {
        const std::lock_guard lock(mutex_);
        reload = reload_;
      }
      if (reload) reload();
      continue;
    }
    record_stop(number);
  }
}

void ProcessSignals::record_stop(int number) {
  {
    const std::lock_guard lock(mutex_);
    if (stops_++ == 0) first_stop_ = number;
  }
  changed_.notify_all();
}

void ProcessSignals::request_stop() {
  record_stop(-1);
}

int ProcessSignals::stop_count() const {
  const std::lock_guard lock(mutex_);
  return stops_;
}

int ProcessSignals::first_stop_signal() const {
  const std::lock_guard lock(mutex_);
  return first_stop_;
}

void ProcessSignals::wait_for_stop() const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stops_ > 0; });
}

bool ProcessSignals::wait_for_stops(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return stops_ >= count; });
}

}  // namespace animate::runtime
