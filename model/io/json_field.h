#pragma once
// Reads optional fields of model configuration JSON (config.json, case
// configs): an absent or null field keeps the default; a field of the wrong
// type is an error naming the component and the field.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace animate::io {

template <typename T>
void read_optional_field(const nlohmann::json& json, const char* key, T& out,
                         const std::string& component) {
  const auto it = json.find(key);
  if (it == json.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(component + " config field '" + key + "': " + e.what());
  }
}

}  // namespace animate::io
