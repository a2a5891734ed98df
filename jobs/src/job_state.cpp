#include "animate/jobs/job_state.h"

#include <array>
#include <utility>

namespace animate::jobs {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 5> kStates{{
    {JobState::kQueued, "queued"},
    {JobState::kRunning, "running"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<Stage, std::string_view>, 7> kStages{{
    {Stage::kNone, ""},
    {Stage::kPreparingInputs, "preparing_inputs"},
    {Stage::kEncodingConditions, "encoding_conditions"},
    {Stage::kDenoising, "denoising"},
    {Stage::kDecoding, "decoding"},
    {Stage::kEncodingVideo, "encoding_video"},
    {Stage::kFinalizing, "finalizing"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return {};
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view name) {
  for (const auto& [v, text] : table) {
    if (text == name) return v;
  }
  return std::nullopt;
}

}  // namespace

bool is_terminal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

std::string_view to_string(JobState state) {
  return name_of(kStates, state);
}
std::optional<JobState> parse_job_state(std::string_view name) {
  return value_of(kStates, name);
}
std::string_view to_string(Stage stage) {
  return name_of(kStages, stage);
}
std::optional<Stage> parse_stage(std::string_view name) {
  return value_of(kStages, name);
}

}  // namespace animate::jobs
