#!/usr/bin/env python3
"""Static lint of docker/*.Dockerfile (no Docker engine needed).

Checks, per Dockerfile:
- it parses (instructions, line continuations, stages, ARG defaults);
- base images are pinned: an explicit tag that is not `latest` and has a
  version number (a digest, when given, is a well-formed sha256);
- every COPY/ADD source and every RUN --mount=type=bind source exists in the
  repository and is not excluded by .dockerignore, or comes from a named
  earlier stage that produces that path;
- every binary named by ENTRYPOINT, CMD, HEALTHCHECK, a `cmake --build
  --target` or a COPY --from=<stage> /out/bin/<name> is in the contract's
  Binaries table and, once its folder has a CMakeLists.txt, an
  add_executable() target there;
- the final stage sets a non-root USER (numeric, so Kubernetes' runAsNonRoot
  can verify it), has a HEALTHCHECK and an ENTRYPOINT;
- EXPOSE equals the contract's ports of the image's component;
- dependency layers come before the sources: no RUN apt-get install after the
  COPY of the build context in a stage.
Usage: lint_dockerfiles.py --root <repo>
"""

import argparse
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import Checker, Contract  # noqa: E402

# Which component of the contract's Ports table each image serves.
IMAGES = {
    "server.Dockerfile": "server",
    "worker.Dockerfile": "worker",
}


def parse_dockerfile(text):
    """-> list of (instruction, argument string, line number)."""
    out = []
    lines = text.splitlines()
    i = 0
    escape = "\\"
    while i < len(lines):
        line = lines[i]
        start = i + 1
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        buf = line
        while buf.rstrip().endswith(escape):
            buf = buf.rstrip()[:-1] + " "
            # Comment lines inside a continuation are dropped by Docker.
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                i += 1
            if i >= len(lines):
                break
            buf += lines[i]
            i += 1
        parts = buf.strip().split(None, 1)
        out.append((parts[0].upper(), parts[1] if len(parts) > 1 else "", start))
    return out


def expand(value, args):
    def sub(m):
        name = m.group(1) or m.group(2)
        return args.get(name, "")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub, value)


def split_flags(arg):
    """'--from=x --chown=1 a b' -> ({'from': 'x', ...}, ['a', 'b'])."""
    words = shlex.split(arg)
    flags = {}
    rest = []
    for w in words:
        if w.startswith("--") and not rest:
            k, _, v = w[2:].partition("=")
            flags.setdefault(k, []).append(v)
        else:
            rest.append(w)
    return flags, rest


def exec_form(arg):
    """JSON exec form -> list, shell form -> shlex words."""
    arg = arg.strip()
    if arg.startswith("["):
        import json
        return json.loads(arg)
    return shlex.split(arg)


def build_inputs(root):
    """What the CMake build reads: the top-level files, model/ and every area
    the top-level CMakeLists.txt adds (the `_animate_areas` it sets and
    appends to), and the scripts that install LibTorch and run the build."""
    inputs = ["CMakeLists.txt", "cmake", "model", "scripts/build.sh", "scripts/libtorch-env.sh",
              "scripts/libtorch-requirements.txt", "scripts/install-libtorch.sh"]
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    for match in re.finditer(r"(?:set\(|list\(APPEND )_animate_areas ([^)]*)\)", text):
        inputs += match.group(1).split()
    return inputs


class DockerIgnore:
    """.dockerignore semantics: last matching pattern wins; a pattern matching a
    parent directory matches everything below it; '*' stays in one path segment."""

    def __init__(self, path):
        self.rules = []
        if os.path.exists(path):
            for line in open(path, encoding="utf-8"):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                negate = line.startswith("!")
                pattern = line[1:] if negate else line
                pattern = os.path.normpath(pattern.strip("/"))
                self.rules.append((negate, self._regex(pattern)))

    @staticmethod
    def _regex(pattern):
        out = ""
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**", i):
                out += ".*"
                i += 2
                if i < len(pattern) and pattern[i] == "/":
                    out = out[:-2] + "(?:.*/)?"
                    i += 1
                continue
            out += {"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c))
            i += 1
        return re.compile(out + "$")

    def excluded(self, relpath):
        """Like moby's patternmatcher: each pattern that matches the path or
        one of its parents decides, the last one wins."""
        parts = os.path.normpath(relpath).split("/")
        candidates = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        result = False
        for negate, rx in self.rules:
            if any(rx.match(c) for c in candidates):
                result = not negate
        return result


def cmake_executables(root, folder):
    """add_executable names declared under <root>/<folder> (CMakeLists.txt, *.cmake)."""
    names = set()
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            if f == "CMakeLists.txt" or f.endswith(".cmake"):
                text = open(os.path.join(dirpath, f), encoding="utf-8", errors="replace").read()
                names.update(re.findall(r"add_executable\s*\(\s*([A-Za-z0-9_.+-]+)", text))
    return names


def lint(path, root, contract, ignore, ck):
    name = os.path.basename(path)
    where = os.path.relpath(path, root)
    text = open(path, encoding="utf-8").read()
    instructions = parse_dockerfile(text)
    ck.check(instructions and instructions[0][0] in ("ARG", "FROM"),
             f"{where}: must start with ARG or FROM")

    global_args = {}
    stages = []  # dicts: name, base, instructions, args
    for ins, arg, line in instructions:
        if ins == "FROM":
            words = arg.split()
            base = expand(words[0], global_args)
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"name": alias, "base": base, "raw": words[0], "ins": [], "args": {}, "line": line})
            continue
        if not stages:
            if ins == "ARG":
                k, _, v = arg.partition("=")
                global_args[k.strip()] = expand(v.strip().strip('"'), global_args)
            else:
                ck.fail(f"{where}:{line}: {ins} before the first FROM")
            continue
        stages[-1]["ins"].append((ins, arg, line))
    ck.check(len(stages) >= 2, f"{where}: expected a multi-stage build (builder + runtime)")

    stage_names = [s["name"] for s in stages]
    # ---- base images pinned
    for s in stages:
        base = s["base"]
        if base in stage_names:
            continue
        image, _, digest = base.partition("@")
        repo, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        ck.check(bool(tag), f"{where}:{s['line']}: base image {base} has no tag")
        ck.check(tag != "latest", f"{where}:{s['line']}: base image {base} uses :latest")
        ck.check(bool(re.search(r"\d+\.\d+", tag)),
                 f"{where}:{s['line']}: base image tag {tag!r} is not a pinned version (want e.g. 12.12-slim)")
        if digest:
            ck.check(bool(re.fullmatch(r"sha256:[0-9a-f]{64}", digest)),
                     f"{where}:{s['line']}: malformed digest {digest}")

    # ---- per-stage checks
    binaries = set()
    for idx, s in enumerate(stages):
        args = dict(global_args)
        context_copied_at = None
        for ins, arg, line in s["ins"]:
            if ins == "ARG":
                k, _, v = arg.partition("=")
                k = k.strip()
                args[k] = expand(v.strip().strip('"'), args) if v else global_args.get(k, "")
            elif ins in ("COPY", "ADD"):
                flags, words = split_flags(arg)
                srcs, dest = words[:-1], words[-1] if words else ""
                ck.check(len(words) >= 2, f"{where}:{line}: {ins} needs a source and a destination")
                if "from" in flags:
                    src_stage = flags["from"][0]
                    earlier = stage_names[:idx]
                    if not ck.check(src_stage in earlier,
                                    f"{where}:{line}: COPY --from={src_stage} is not a named earlier stage"):
                        continue
                    producer = stages[stage_names.index(src_stage)]
                    produced = " ".join(a for _, a, _ in producer["ins"])
                    for src in srcs:
                        ck.check(_produced_by(src, producer, produced),
                                 f"{where}:{line}: {src} is not produced by stage {src_stage}")
                        if src.startswith("/out/bin/"):
                            binaries.add(os.path.basename(src))
                else:
                    ck.check(ins == "COPY", f"{where}:{line}: use COPY, not ADD, for local files")
                    for src in srcs:
                        rel = os.path.normpath(src)
                        if rel == ".":
                            context_copied_at = line
                            for must in build_inputs(root):
                                ck.check(not ignore.excluded(must),
                                         f"{where}:{line}: .dockerignore excludes {must}, a build input")
                            continue
                        ck.check(os.path.exists(os.path.join(root, rel)),
                                 f"{where}:{line}: COPY source {src} does not exist in the repository")
                        ck.check(not ignore.excluded(rel),
                                 f"{where}:{line}: COPY source {src} is excluded by .dockerignore")
            elif ins == "RUN":
                for m in re.finditer(r"--mount=(\S+)", arg):
                    opts = dict(kv.partition("=")[::2] for kv in m.group(1).split(","))
                    if opts.get("type") == "bind" and "from" not in opts:
                        src = opts.get("source", opts.get("src", "."))
                        ck.check(os.path.exists(os.path.join(root, src)),
                                 f"{where}:{line}: bind-mount source {src} does not exist in the repository")
                        ck.check(not ignore.excluded(src),
                                 f"{where}:{line}: bind-mount source {src} is excluded by .dockerignore")
                if re.search(r"apt-get install", arg) and context_copied_at:
                    ck.fail(f"{where}:{line}: apt-get install after the sources were copied "
                            f"(line {context_copied_at}): dependency layers first")
                if re.search(r"apt-get install", arg):
                    ck.check("--no-install-recommends" in arg,
                             f"{where}:{line}: apt-get install without --no-install-recommends")
                    ck.check("rm -rf /var/lib/apt/lists" in arg,
                             f"{where}:{line}: apt lists not removed in the same layer")
                for m in re.finditer(r"--target\s+((?:[A-Za-z0-9_.+-]+\s*)+)", arg):
                    for t in m.group(1).split():
                        if t.startswith("-") or t in ("&&",):
                            break
                        binaries.add(t)

    # ---- the final stage
    final = stages[-1]
    ins_of = lambda kind: [(a, l) for i, a, l in final["ins"] if i == kind]  # noqa: E731
    users = ins_of("USER")
    if ck.check(bool(users), f"{where}: the final stage sets no USER"):
        user = users[-1][0].split(":")[0].strip()
        ck.check(user not in ("root", "0"), f"{where}: the final stage runs as root")
        ck.check(user.isdigit(), f"{where}: USER {user} is not numeric (runAsNonRoot cannot verify names)")
    for kind in ("ENTRYPOINT", "HEALTHCHECK"):
        ck.check(bool(ins_of(kind)), f"{where}: the final stage has no {kind}")
    for kind in ("ENTRYPOINT", "CMD"):
        for a, line in ins_of(kind):
            words = exec_form(a)
            if words:
                binaries.add(os.path.basename(words[0]))
    for a, line in ins_of("HEALTHCHECK"):
        m = re.search(r"\bCMD\s+(.*)$", a)
        if ck.check(bool(m), f"{where}:{line}: HEALTHCHECK without CMD"):
            words = exec_form(m.group(1))
            binaries.add(os.path.basename(words[0]))
            ck.check("--start-period" in a, f"{where}:{line}: HEALTHCHECK without --start-period")

    for b in sorted(binaries):
        if not ck.check(b in contract.binaries,
                        f"{where}: binary {b} is not in docs/service-contract.md's Binaries table"):
            continue
        # The nearest folder at or above the contract's folder with a
        # CMakeLists.txt (model/tools/ -> model/), the repository root excluded.
        folder = contract.binaries[b]
        owner = folder
        while owner and not os.path.exists(os.path.join(root, owner, "CMakeLists.txt")):
            owner = os.path.dirname(owner)
        if owner:
            ck.check(b in cmake_executables(root, owner),
                     f"{where}: {owner}/ (CMake owner of {folder}/) declares no add_executable({b} ...)")
        else:
            print(f"note: {where}: {b}: {folder}/ has no CMakeLists.txt yet; "
                  "the target check runs once it has")

    # ---- ports
    component = IMAGES.get(name)
    exposed = set()
    for a, line in ins_of("EXPOSE"):
        for w in a.split():
            exposed.add(int(expand(w, global_args).split("/")[0]))
    if component:
        ck.check(exposed == contract.ports.get(component, set()),
                 f"{where}: EXPOSE {sorted(exposed)} != the contract's {component} ports "
                 f"{sorted(contract.ports.get(component, set()))}")
        env = " ".join(a for i, a, _ in final["ins"] if i == "ENV")
        for port in contract.ports.get(component, set()):
            ck.check(f":{port}" in env, f"{where}: no ENV listens on contract port {port}")
    else:
        ck.fail(f"{where}: unknown image; add it to IMAGES in {os.path.basename(__file__)}")
    return binaries


def _produced_by(src, stage, produced_text):
    """A path copied from a stage: inside a directory the stage creates or
    copies into (a loose but useful check: the path or a parent is named)."""
    path = src.rstrip("/")
    while path and path != "/":
        if re.search(re.escape(path) + r"(?![A-Za-z0-9_.-])", produced_text):
            return True
        path = os.path.dirname(path)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    ck = Checker("deploy_dockerfiles")
    contract = Contract(os.path.join(root, "docs", "service-contract.md"))
    ignore = DockerIgnore(os.path.join(root, ".dockerignore"))
    ck.check(os.path.exists(os.path.join(root, ".dockerignore")), ".dockerignore is missing")
    docker_dir = os.path.join(root, "docker")
    files = sorted(f for f in os.listdir(docker_dir) if f.endswith(".Dockerfile"))
    ck.check(sorted(files) == sorted(IMAGES), f"docker/ has {files}, expected {sorted(IMAGES)}")
    for f in files:
        binaries = lint(os.path.join(docker_dir, f), root, contract, ignore, ck)
        print(f"{f}: binaries {sorted(binaries)}")
    # Self-test of the .dockerignore matcher on known cases.
    ck.check(ignore.excluded("build/model/animate-probe"), ".dockerignore lets build/ in")
    ck.check(ignore.excluded(".tools/bin/helm"), ".dockerignore lets .tools/ in")
    ck.check(not ignore.excluded("model/io/error.cpp"), ".dockerignore excludes model/ sources")
    return ck.finish()


if __name__ == "__main__":
    sys.exit(main())
