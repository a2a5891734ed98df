#pragma once
// Incremental SHA-256 (OpenSSL EVP) for the result's content hash, computed
// while the chunks stream out so the finished MP4 is never held in memory.
#include <memory>
#include <string>
#include <string_view>

namespace animate::worker {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // Lowercase hex of everything updated so far; the hasher is spent after it.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// One-shot convenience.
std::string sha256_hex(std::string_view bytes);

}  // namespace animate::worker
