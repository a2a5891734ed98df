#include "cli.h"

#include <functional>
#include <iostream>
#include <map>

#include "commands.h"
#include "job_request_flags.h"
#include "rpc_error.h"

namespace animate::client {
namespace {

constexpr const char* kUsage = R"(usage: animate [connection flags] COMMAND [args]

commands:
  submit --image REF.png --pose POSE.mp4 [--ref-pose REF_POSE.png] -o OUT.mp4 [job flags]
                              upload the inputs, create the job, show progress and
                              write the MP4 as it is made (stdout: the job id);
                              --detach: print the job id and return after CreateJob
  watch JOB [-o OUT.mp4] [--from-seq N]
                              follow a job (resumes after disconnects); stdout:
                              "<final state> <last sequence>"
  status JOB [--json]         show one job
  list [--state S] [--page-size N] [--page-token T] [--json]
                              jobs, newest first (S: queued running succeeded
                              failed cancelled all)
  cancel JOB [--json]         cancel (queued: at once; running: at the next step)
  delete JOB                  remove a finished job and its result
  download JOB -o OUT.mp4 [--resume]
                              fetch the finished MP4 (sha256 checked)
  upload --kind K FILE [--sha256 HEX] [--json]
                              upload one asset, print its id (K: reference-image,
                              pose-video, reference-pose)
  health [--addr HOST:PORT] [--service NAME]
                              grpc.health.v1 Check; prints the status

connection flags (flags win over the environment):
  --server HOST:PORT   server address (ANIMATE_SERVER, default 127.0.0.1:50051)
  --api-key KEY        sent as "authorization: Bearer KEY" (ANIMATE_API_KEY)
  --tls                use TLS with the system roots
  --ca-cert FILE       use TLS trusting this PEM CA
  --timeout S          deadline of unary calls in seconds (default 30; health 5)
  --quiet              no progress output on stderr

)";

constexpr const char* kExitCodes = R"(
exit codes:
  0      success (health: SERVING)
  1      the job ended FAILED or CANCELLED (health: not SERVING)
  2      bad command line
  3      local error: unreadable/unwritable file, result hash mismatch
  10+N   a call failed with gRPC status code N, e.g. 13 INVALID_ARGUMENT,
         15 NOT_FOUND, 16 ALREADY_EXISTS, 18 RESOURCE_EXHAUSTED,
         19 FAILED_PRECONDITION, 21 OUT_OF_RANGE, 24 UNAVAILABLE,
         26 UNAUTHENTICATED; the code name, message and field are printed
)";

using Handler = std::function<int(const Args&, const ConnectionOptions&)>;

struct Command {
  std::set<std::string> value_flags;
  std::set<std::string> switches;
  Handler run;
};

std::map<std::string, Command> commands() {
  std::set<std::string> submit_flags = job_request_value_flags();
  submit_flags.insert({"--image", "--pose", "--ref-pose", "-o", "--output"});
  return {
      {"submit", {submit_flags, {"--detach"}, run_submit}},
      {"upload", {{"--kind", "--sha256"}, {"--json"}, run_upload}},
      {"watch", {{"-o", "--output", "--from-seq"}, {}, run_watch}},
      {"status", {{}, {"--json"}, run_status}},
      {"list", {{"--state", "--page-size", "--page-token"}, {"--json"}, run_list}},
      {"cancel", {{}, {"--json"}, run_cancel}},
      {"delete", {{}, {}, run_delete}},
      {"download", {{"-o", "--output"}, {"--resume"}, run_download}},
      {"health", {{"--addr", "--service"}, {}, run_health}},
  };
}

void print_help(std::ostream& out) {
  out << kUsage << job_request_flags_help() << kExitCodes;
}

}  // namespace

int run_cli(const std::vector<std::string>& argv) {
  const std::set<std::string> connection_values = {"--server", "--api-key", "--ca-cert",
                                                   "--timeout"};
  const std::set<std::string> connection_switches = {"--tls", "--quiet"};
  // The command is the first word that is neither a flag nor a flag's value.
  std::string name;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--help" || argv[i] == "-h" || argv[i] == "help") {
      print_help(std::cout);
      return kExitOk;
    }
    if (argv[i].rfind("-", 0) == 0) {
      if (connection_values.count(argv[i]) != 0) ++i;
      continue;
    }
    name = argv[i];
    break;
  }
  const auto table = commands();
  const auto command = table.find(name);
  if (command == table.end()) {
    std::cerr << (name.empty() ? "animate: no command given\n"
                               : "animate: unknown command '" + name + "'\n");
    print_help(std::cerr);
    return kExitUsage;
  }
  try {
    std::set<std::string> values = command->second.value_flags;
    values.insert(connection_values.begin(), connection_values.end());
    std::set<std::string> switches = command->second.switches;
    switches.insert(connection_switches.begin(), connection_switches.end());
    const Args args(argv, values, switches);
    ConnectionOptions connection = connection_options_from_env();
    if (const auto server = args.get("--server")) connection.server = *server;
    if (const auto key = args.get("--api-key")) connection.api_key = *key;
    if (const auto ca = args.get("--ca-cert")) connection.ca_cert_file = *ca;
    connection.tls = args.has("--tls");
    if (const auto timeout = args.get_double("--timeout")) {
      if (!(*timeout > 0)) throw UsageError("--timeout must be positive");
      connection.call_timeout = std::chrono::milliseconds(static_cast<long long>(*timeout * 1000));
    }
    return command->second.run(args, connection);
  } catch (const UsageError& error) {
    std::cerr << "animate " << name << ": " << error.what() << "\n(see animate --help)\n";
    return kExitUsage;
  } catch (const RpcError& error) {
    std::cerr << "animate " << name << ": " << error.what() << "\n";
    return kExitRpcBase + static_cast<int>(error.code());
  } catch (const std::exception& error) {
    std::cerr << "animate " << name << ": " << error.what() << "\n";
    return kExitLocal;
  }
}

}  // namespace animate::client
