// SHA-256 against the FIPS 180-4 / NIST test vectors, fed in odd pieces so
// the buffering across block boundaries is exercised.
#include <gtest/gtest.h>

#include <string>

#include "animate/common/sha256.h"

namespace animate::common {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (const std::size_t piece : {1u, 3u, 63u, 64u, 65u, 127u}) {
    Sha256 hash;
    for (std::size_t offset = 0; offset < data.size(); offset += piece) {
      hash.update(std::string_view(data).substr(offset, piece));
    }
    EXPECT_EQ(hash.hex_digest(), sha256_hex(data)) << "piece " << piece;
  }
}

}  // namespace
}  // namespace animate::common
