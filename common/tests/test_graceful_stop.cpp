// Signals really delivered to this process (raise), through the handlers.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "animate/runtime/graceful_stop.h"

namespace animate::runtime {
namespace {

using namespace std::chrono_literals;

Logger quiet_logger() {
  return Logger("test", {LogLevel::kError, LogFormat::kJson, [](std::string_view) {}});
}

TEST(ProcessSignals, HangupReloadsAndDoesNotStop) {
  ProcessSignals signals;
  std::atomic<int> reloads{0};
  signals.on_reload([&] { ++reloads; });
  ::raise(SIGHUP);
  ::raise(SIGHUP);
  for (int i = 0; i < 200 && reloads < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(reloads.load(), 2);
  EXPECT_EQ(signals.stop_count(), 0);
  EXPECT_FALSE(signals.wait_for_stops(1, 50ms));
}

TEST(ProcessSignals, StopSignalsAreCounted) {
  ProcessSignals signals;
  ::raise(SIGTERM);
  EXPECT_TRUE(signals.wait_for_stops(1, 5s));
  EXPECT_EQ(signals.first_stop_signal(), SIGTERM);
  ::raise(SIGINT);
  EXPECT_TRUE(signals.wait_for_stops(2, 5s));
  EXPECT_EQ(signals.first_stop_signal(), SIGTERM);
  EXPECT_THROW(ProcessSignals second, std::logic_error) << "one per process";
}

TEST(GracefulStop, OneSignalDrainsToTheEnd) {
  ProcessSignals signals;
  std::atomic<bool> interrupted{false};
  std::atomic<bool> drained{false};
  std::thread sender([] {
    std::this_thread::sleep_for(50ms);
    ::raise(SIGTERM);
  });
  const bool clean = drain_on_stop_signal(signals, quiet_logger(),
                                          {[&] {
                                             std::this_thread::sleep_for(300ms);
                                             drained = true;
                                           },
                                           [&] { interrupted = true; }});
  sender.join();
  EXPECT_TRUE(clean);
  EXPECT_TRUE(drained);
  EXPECT_FALSE(interrupted);
}

TEST(GracefulStop, ASecondSignalInterruptsTheDrain) {
  ProcessSignals signals;
  std::atomic<bool> interrupted{false};
  std::thread sender([] {
    ::raise(SIGTERM);
    std::this_thread::sleep_for(200ms);
    ::raise(SIGTERM);
  });
  const auto start = std::chrono::steady_clock::now();
  const bool clean = drain_on_stop_signal(signals, quiet_logger(),
                                          {[&] {
                                             // A drain that only ends when interrupted (or after a
                                             // minute).
                                             for (int i = 0; i < 6000 && !interrupted; ++i)
                                               std::this_thread::sleep_for(10ms);
                                           },
                                           [&] { interrupted = true; }});
  sender.join();
  EXPECT_FALSE(clean);
  EXPECT_TRUE(interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

}  // namespace
}  // namespace animate::runtime
