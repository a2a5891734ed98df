#include <gtest/gtest.h>

#include "media/error.h"
#include "media/zip_reader.h"
#include "test_support.h"

namespace animate::media {
namespace {

using testing::make_zip;

MediaErrorCode error_code_of(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const MediaError& error) {
    if (message != nullptr) *message = error.what();
    return error.code();
  }
  ADD_FAILURE() << "no MediaError thrown";
  return MediaErrorCode::kEncoderError;
}

TEST(ZipReader, ReadsStoredAndDeflatedEntries) {
  const std::string text(5000, 'x');
  const std::string archive = make_zip({{"a.txt", "hello", false}, {"dir/b.txt", text, true}});
  const ZipReader zip(archive, "test zip");
  ASSERT_EQ(zip.entries().size(), 2u);
  EXPECT_EQ(zip.entries()[0].name, "a.txt");
  EXPECT_EQ(zip.entries()[1].method, 8);
  EXPECT_LT(zip.entries()[1].compressed_size, 100u);
  EXPECT_EQ(zip.extract(zip.entries()[0], 1 << 20), "hello");
  EXPECT_EQ(zip.extract(zip.entries()[1], 1 << 20), text);
}

TEST(ZipReader, EmptyEntriesAndArchives) {
  const std::string archive = make_zip({{"empty", "", true}, {"empty2", "", false}});
  const ZipReader zip(archive, "test zip");
  EXPECT_EQ(zip.extract(zip.entries()[0], 10), "");
  EXPECT_EQ(zip.extract(zip.entries()[1], 10), "");
  EXPECT_TRUE(ZipReader(make_zip({}), "empty zip").entries().empty());
}

TEST(ZipReader, RejectsNonZipAndTruncatedArchives) {
  std::string message;
  EXPECT_EQ(error_code_of([] { ZipReader("not a zip at all", "x"); }, &message),
            MediaErrorCode::kUnsupportedFormat);
  EXPECT_NE(message.find("not a ZIP"), std::string::npos);
  const std::string archive = make_zip({{"a.txt", std::string(1000, 'a'), false}});
  EXPECT_EQ(
      error_code_of([&] { ZipReader(archive.substr(0, archive.size() - 30), "x"); }, &message),
      MediaErrorCode::kInvalidData);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(ZipReader, DetectsCorruptDataAndCrc) {
  std::string archive = make_zip({{"a.txt", std::string(1000, 'a'), false}});
  archive[40] = 'b';  // inside the stored data
  const ZipReader zip(archive, "x");
  std::string message;
  EXPECT_EQ(error_code_of([&] { zip.extract(zip.entries()[0], 1 << 20); }, &message),
            MediaErrorCode::kInvalidData);
  EXPECT_NE(message.find("CRC"), std::string::npos) << message;

  std::string deflated = make_zip({{"b.txt", std::string(3000, 'q') + "tail", true}});
  deflated[31 + 5] = static_cast<char>(0xFF);  // first bytes of the deflate stream
  deflated[31 + 6] = static_cast<char>(0xFF);
  const ZipReader broken(deflated, "x");
  EXPECT_EQ(error_code_of([&] { broken.extract(broken.entries()[0], 1 << 20); }),
            MediaErrorCode::kInvalidData);
}

TEST(ZipReader, RefusesEntriesOverTheSizeLimitBeforeInflating) {
  const std::string archive = make_zip({{"bomb.png", std::string(1 << 20, '\0'), true}});
  const ZipReader zip(archive, "x");
  std::string message;
  EXPECT_EQ(error_code_of([&] { zip.extract(zip.entries()[0], 1000); }, &message),
            MediaErrorCode::kLimitExceeded);
  EXPECT_NE(message.find("max_input_bytes = 1000"), std::string::npos) << message;
}

TEST(ZipReader, RefusesUnsupportedMethods) {
  std::string archive = make_zip({{"a.txt", "abc", false}});
  // Method field of the central header: 14 = LZMA.
  const std::size_t central = archive.find("PK\x01\x02");
  archive[central + 10] = 14;
  const ZipReader zip(archive, "x");
  std::string message;
  EXPECT_EQ(error_code_of([&] { zip.extract(zip.entries()[0], 100); }, &message),
            MediaErrorCode::kUnsupportedFormat);
  EXPECT_NE(message.find("method 14"), std::string::npos) << message;
}

}  // namespace
}  // namespace animate::media
