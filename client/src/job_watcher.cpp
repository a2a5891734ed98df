#include "job_watcher.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "result_download.h"
#include "rpc_error.h"
#include "video_file_sink.h"

namespace animate::client {
namespace {

bool is_final(animate::v1::JobState state) {
  return state == animate::v1::JOB_STATE_SUCCEEDED || state == animate::v1::JOB_STATE_FAILED ||
         state == animate::v1::JOB_STATE_CANCELLED;
}

// Errors a new stream may cure (server restarting, connection dropped).
bool is_transient(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::ABORTED;
}

animate::v1::Job get_job(animate::v1::AnimateService::Stub& stub, const ConnectionOptions& options,
                         const std::string& job_id) {
  animate::v1::GetJobRequest request;
  request.set_job_id(job_id);
  animate::v1::GetJobResponse response;
  auto context = make_unary_context(options);
  check_rpc("GetJob", stub.GetJob(context.get(), request, &response), context.get());
  return response.job();
}

}  // namespace

WatchOutcome watch_job(animate::v1::AnimateService::Stub& stub, const ConnectionOptions& options,
                       const WatchOptions& watch, ProgressDisplay& display) {
  WatchOutcome outcome;
  std::unique_ptr<VideoFileSink> sink;
  if (watch.output) sink = std::make_unique<VideoFileSink>(*watch.output);
  // Bytes from a stream that did not start at the job's beginning cannot be
  // trusted to form the whole file; the final check decides.
  std::uint64_t next_sequence = watch.from_sequence;
  bool saw_final_state = false;
  auto backoff = std::chrono::milliseconds(200);
  auto failing_since = std::chrono::steady_clock::now();

  while (!saw_final_state) {
    if (next_sequence > 0) {
      // Resuming: a job that has ended with nothing left after our sequence
      // has no more events to send, so do not open a stream that would only
      // wait for them. (A failure here is handled by the stream below.)
      try {
        const auto job = get_job(stub, options, watch.job_id);
        if (is_final(job.state()) && next_sequence > job.last_sequence()) break;
      } catch (const RpcError& error) {
        if (!is_transient(error.code())) throw;
      }
    }
    animate::v1::WatchJobRequest request;
    request.set_job_id(watch.job_id);
    request.set_from_sequence(next_sequence);
    request.set_include_video(sink != nullptr);
    auto context = make_context(options);
    auto reader = stub.WatchJob(context.get(), request);
    animate::v1::WatchJobResponse event;
    bool received = false;
    while (reader->Read(&event)) {
      received = true;
      if (event.sequence() > 0) {
        next_sequence = event.sequence() + 1;
        outcome.last_sequence = event.sequence();
      }
      if (event.has_video_chunk() && sink) {
        sink->write(event.video_chunk().offset(), event.video_chunk().data());
      }
      display.on_event(event, sink ? sink->size() : 0);
      if (event.has_state_change() && is_final(event.state_change().state())) {
        saw_final_state = true;
      }
    }
    const grpc::Status status = reader->Finish();
    if (status.ok()) {
      // The server ends the stream when the job has ended; a stream that
      // resumed after the final event carries nothing, so ask.
      if (!saw_final_state && is_final(get_job(stub, options, watch.job_id).state())) break;
      if (!saw_final_state && !received) std::this_thread::sleep_for(backoff);
      continue;
    }
    if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // The replay window is gone: follow live from now on; the final
      // sha256 check fetches the whole MP4 when chunks were missed.
      const auto job = get_job(stub, options, watch.job_id);
      display.note("events before " + std::to_string(next_sequence) + " expired; following from " +
                   std::to_string(job.last_sequence() + 1));
      next_sequence = job.last_sequence() + 1;
      if (is_final(job.state())) break;
      continue;
    }
    if (!is_transient(status.error_code())) check_rpc("WatchJob", status, context.get());
    if (received) {
      failing_since = std::chrono::steady_clock::now();
      backoff = std::chrono::milliseconds(200);
    }
    if (std::chrono::steady_clock::now() - failing_since > watch.reconnect_budget) {
      check_rpc("WatchJob", status, context.get());
    }
    display.note("watch interrupted (" + status_code_name(status.error_code()) + ": " +
                 status.error_message() + "), resuming from sequence " +
                 std::to_string(next_sequence));
    ++outcome.reconnects;
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(5));
  }
  display.finish();
  if (sink) sink->close();

  // The job record is the authority on the end state; retry it briefly since
  // the server may have just come back.
  for (int attempt = 0;; ++attempt) {
    try {
      outcome.job = get_job(stub, options, watch.job_id);
      break;
    } catch (const RpcError& error) {
      if (attempt >= 20 || !is_transient(error.code())) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  if (sink && outcome.job.state() == animate::v1::JOB_STATE_SUCCEEDED) {
    try {
      verify_result_file(*watch.output, outcome.job.result());
    } catch (const std::exception& error) {
      display.note(std::string("streamed video incomplete (") + error.what() +
                   "); downloading the result");
      download_result(stub, options, watch.job_id, *watch.output, /*resume=*/false);
    }
    outcome.output_verified = true;
  }
  return outcome;
}

}  // namespace animate::client
