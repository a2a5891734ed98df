// Checkpoint I/O benchmark: generates a multi-GB safetensors file and a torch
// zip-pickle (.pth) file, then, in a fresh child process per file (so the
// writer's memory does not pollute the figures), prints the open time, the
// time to touch every tensor, and resident memory after open and at peak.
// Opening must not read the file: RSS after open stays near the baseline.
//
//   bench_checkpoint_io [--dir DIR] [--gb 4] [--pth-gb 1] [--keep]
#include <ATen/ATen.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/io/open_checkpoint.h"
#include "model/tests/test_support/torch_zip_fixture.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Current resident set size in MiB (from /proc/self/statm).
double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1 << 20);
}

// Resident anonymous and file-backed memory in MiB (/proc/self/status):
// mapped checkpoint pages show up as file-backed and can be reclaimed.
std::pair<double, double> rss_anon_file_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double anon = 0, file = 0;
  while (status >> key) {
    double kib = 0;
    if (key == "RssAnon:" && status >> kib) anon = kib / 1024;
    if (key == "RssFile:" && status >> kib) file = kib / 1024;
  }
  return {anon, file};
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

// Streams a safetensors file of `tensor_count` BF16 tensors [rows, 4096]
// without holding it in memory.
void write_big_safetensors(const std::string& path, double gib) {
  const std::int64_t cols = 4096, rows = 4096;  // 32 MiB per BF16 tensor
  const std::uint64_t tensor_bytes = rows * cols * 2;
  const auto tensor_count = static_cast<std::int64_t>(gib * (1ull << 30) / tensor_bytes);
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  for (std::int64_t i = 0; i < tensor_count; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "blocks.%03lld.weight", static_cast<long long>(i));
    header[name] = {{"dtype", "BF16"},
                    {"shape", {rows, cols}},
                    {"data_offsets", {i * tensor_bytes, (i + 1) * tensor_bytes}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::uint64_t len = text.size();
  out.write(reinterpret_cast<const char*>(&len), 8);
  out << text;
  std::vector<char> chunk(tensor_bytes);
  for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] = static_cast<char>(j * 131 + 7);
  for (std::int64_t i = 0; i < tensor_count; ++i) {
    chunk[0] = static_cast<char>(i);
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
}

void write_pth(const std::string& path, double gib) {
  const std::int64_t per_tensor = 4 << 20;  // floats: 16 MiB per tensor
  const auto count = static_cast<std::int64_t>(gib * (1ull << 30) / (per_tensor * 4));
  std::vector<animate::io::testing::NamedTensor> tensors;
  for (std::int64_t i = 0; i < count; ++i) {
    tensors.push_back({"layer" + std::to_string(i) + ".weight",
                       at::full({per_tensor / 1024, 1024}, static_cast<float>(i))});
  }
  // ZIP64 as torch.save writes it for large archives.
  animate::io::testing::TorchZipOptions options;
  options.zip.zip64 = true;
  animate::io::testing::write_file(path, animate::io::testing::torch_zip(tensors, options).bytes);
}

// Child: open, then touch every tensor (sum of one element per 4 KiB page).
int measure(const std::string& path) {
  const double rss_before = rss_mib();
  auto start = Clock::now();
  auto source = animate::io::open_checkpoint(path);
  const auto names = source->names();
  const double open_s = seconds_since(start);
  const double rss_open = rss_mib();
  const auto [anon_open, file_open] = rss_anon_file_mib();
  start = Clock::now();
  double checksum = 0;
  std::uint64_t bytes = 0;
  for (const auto& name : names) {
    const auto tensor = source->tensor(name);
    const auto* data = static_cast<const unsigned char*>(tensor.data_ptr());
    const std::uint64_t n = tensor.numel() * tensor.element_size();
    for (std::uint64_t i = 0; i < n; i += 4096) checksum += data[i];
    bytes += n;
  }
  const double touch_s = seconds_since(start);
  const auto [anon_end, file_end] = rss_anon_file_mib();
  std::printf(
      "%s: %zu tensors, %.2f GiB\n  open %.2f ms; touch every page %.2f s (%.2f GiB/s)\n"
      "  RSS before open %.1f MiB, after open %.1f MiB (anon %.1f, file %.1f), after touching "
      "%.1f MiB (anon %.1f, file %.1f), peak %.1f MiB [checksum %.0f]\n",
      path.c_str(), names.size(), bytes / double(1ull << 30), open_s * 1e3, touch_s,
      bytes / double(1ull << 30) / touch_s, rss_before, rss_open, anon_open, file_open, rss_mib(),
      anon_end, file_end, peak_rss_mib(), checksum);
  return 0;
}

int run_child(const char* self, const std::string& path) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    execl(self, self, "--measure", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = fs::temp_directory_path().string();
  double gib = 4.0, pth_gib = 1.0;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--measure" && i + 1 < argc) return measure(argv[i + 1]);
    if (arg == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (arg == "--gb" && i + 1 < argc)
      gib = std::atof(argv[++i]);
    else if (arg == "--pth-gb" && i + 1 < argc)
      pth_gib = std::atof(argv[++i]);
    else if (arg == "--keep")
      keep = true;
    else {
      std::cerr << "usage: bench_checkpoint_io [--dir DIR] [--gb 4] [--pth-gb 1] [--keep]\n";
      return 1;
    }
  }
  const std::string st_path = dir + "/animate_bench.safetensors";
  const std::string pth_path = dir + "/animate_bench.pth";
  auto start = Clock::now();
  write_big_safetensors(st_path, gib);
  std::printf("wrote %s (%.2f GiB) in %.1f s\n", st_path.c_str(),
              fs::file_size(st_path) / double(1ull << 30), seconds_since(start));
  start = Clock::now();
  write_pth(pth_path, pth_gib);
  std::printf("wrote %s (%.2f GiB) in %.1f s\n", pth_path.c_str(),
              fs::file_size(pth_path) / double(1ull << 30), seconds_since(start));
  int status = run_child(argv[0], st_path);
  status |= run_child(argv[0], pth_path);
  if (!keep) {
    fs::remove(st_path);
    fs::remove(pth_path);
  }
  return status;
}
