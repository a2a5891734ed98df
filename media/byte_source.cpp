#include "media/byte_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "media/error.h"
#include "media/limits.h"

namespace animate::media::detail {
namespace {

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  long read(std::uint8_t* buffer, std::size_t size) override {
    const std::size_t available = bytes_.size() - position_;
    const std::size_t n = std::min(size, available);
    std::memcpy(buffer, bytes_.data() + position_, n);
    position_ += n;
    return static_cast<long>(n);
  }
  bool seek(std::uint64_t position) override {
    if (position > bytes_.size()) return false;
    position_ = static_cast<std::size_t>(position);
    return true;
  }
  std::uint64_t position() const override { return position_; }
  std::uint64_t size() const override { return bytes_.size(); }
  const std::string& name() const override { return name_; }
  std::unique_ptr<ByteSource> reopen() const override {
    return std::make_unique<MemorySource>(bytes_);
  }

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
  std::string name_ = "<memory>";
};

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string io_failure(const std::filesystem::path& path, const char* action, int error) {
  return "cannot " + std::string(action) + " '" + path.string() +
         "': " + std::generic_category().message(error);
}

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::filesystem::path& path)
      : path_(path), name_(path.string()), file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) throw MediaError(MediaErrorCode::kIoError, io_failure(path, "open", errno));
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      throw MediaError(MediaErrorCode::kIoError, "'" + name_ + "' is a directory, not a file");
    }
    if (fseeko(file_.get(), 0, SEEK_END) != 0) {
      throw MediaError(MediaErrorCode::kIoError, io_failure(path, "seek", errno));
    }
    size_ = static_cast<std::uint64_t>(ftello(file_.get()));
    std::rewind(file_.get());
  }
  long read(std::uint8_t* buffer, std::size_t size) override {
    const std::size_t n = std::fread(buffer, 1, size, file_.get());
    if (n == 0 && std::ferror(file_.get())) return -1;
    position_ += n;
    return static_cast<long>(n);
  }
  bool seek(std::uint64_t position) override {
    if (position > size_) return false;
    if (fseeko(file_.get(), static_cast<off_t>(position), SEEK_SET) != 0) return false;
    position_ = position;
    return true;
  }
  std::uint64_t position() const override { return position_; }
  std::uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }
  std::unique_ptr<ByteSource> reopen() const override {
    return std::make_unique<FileSource>(path_);
  }

 private:
  std::filesystem::path path_;
  std::string name_;
  FilePtr file_;
  std::uint64_t size_ = 0;
  std::uint64_t position_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> memory_source(std::string_view bytes) {
  return std::make_unique<MemorySource>(bytes);
}

std::unique_ptr<ByteSource> file_source(const std::filesystem::path& path) {
  return std::make_unique<FileSource>(path);
}

std::string read_file_bytes(const std::filesystem::path& path, std::uint64_t max_bytes,
                            std::string_view what) {
  FileSource source(path);
  MediaLimits limits;
  limits.max_input_bytes = max_bytes;
  check_input_bytes(source.size(), limits, std::string(what) + " '" + path.string() + "'");
  std::string bytes(static_cast<std::size_t>(source.size()), '\0');
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const long n =
        source.read(reinterpret_cast<std::uint8_t*>(bytes.data()) + filled, bytes.size() - filled);
    if (n <= 0) {
      throw MediaError(MediaErrorCode::kIoError,
                       "cannot read '" + path.string() + "': short read at byte " +
                           std::to_string(filled) + " of " + std::to_string(bytes.size()));
    }
    filled += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace animate::media::detail
