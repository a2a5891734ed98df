#include "model/io/safetensors_writer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "model/io/dtype.h"
#include "model/io/error.h"

namespace animate::io {

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> sorted;
  sorted.reserve(tensors.size());
  std::set<std::string> seen;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__")
      throw std::invalid_argument("tensor name '__metadata__' is reserved");
    if (!seen.insert(name).second) {
      throw std::invalid_argument("duplicate tensor name '" + name + "' for " + path);
    }
    if (!from_scalar_type(tensor.scalar_type())) {
      throw std::invalid_argument("tensor '" + name + "' has dtype " +
                                  std::string(c10::toString(tensor.scalar_type())) +
                                  " which safetensors cannot hold");
    }
    sorted.emplace_back(name, tensor.detach().to(at::kCPU).contiguous());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  nlohmann::ordered_json header;
  nlohmann::ordered_json meta = {{"format", "pt"}};
  for (const auto& [key, value] : metadata) meta[key] = value;
  header["__metadata__"] = meta;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : sorted) {
    const std::uint64_t bytes = tensor.numel() * tensor.element_size();
    header[name] = {{"dtype", safetensors_name(*from_scalar_type(tensor.scalar_type()))},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header_text = header.dump();
  // Pad with spaces so the data section starts 8-byte aligned (as the
  // reference writer does), which keeps every tensor view aligned.
  header_text.append((8 - (header_text.size() % 8)) % 8, ' ');

  const std::string temp_path = path + ".tmp";
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    if (!out) throw FormatError(describe(temp_path, "cannot open for writing"));
    std::uint64_t len = header_text.size();
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>((len >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len_bytes), 8);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& entry : sorted) {
      const auto& tensor = entry.second;
      out.write(static_cast<const char*>(tensor.data_ptr()),
                static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
    }
    out.flush();
    if (!out) throw FormatError(describe(temp_path, "write failed"));
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    std::remove(temp_path.c_str());
    throw FormatError(describe(path, "cannot rename the temporary file into place"));
  }
}

}  // namespace animate::io
