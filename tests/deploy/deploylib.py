"""Helpers shared by the deployment checks (ctest label "deploy").

Standard library only. YAML is never parsed here: the checks turn YAML into
JSON with the real Kubernetes tooling (`kubectl annotate --local -o json`,
which needs no cluster and uses the same YAML decoder as the API machinery),
so what they inspect is exactly what a cluster would receive.
"""

import json
import os
import re
import subprocess
import sys
import tempfile


class Checker:
    """Collects failures so one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passed = 0

    def check(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
        return condition

    def fail(self, message):
        self.failures.append(message)

    def finish(self):
        for f in self.failures:
            print(f"FAIL: {f}")
        print(f"{self.name}: {self.passed} checks passed, {len(self.failures)} failed")
        return 1 if self.failures else 0


# ---------------------------------------------------------------- contract

def _section(markdown, title):
    """Text of the '## title' section (up to the next '## ')."""
    m = re.search(r"^## " + re.escape(title) + r"\b.*$", markdown, re.M)
    if not m:
        raise ValueError(f"section '## {title}' not found")
    rest = markdown[m.end():]
    n = re.search(r"^## ", rest, re.M)
    return rest[: n.start()] if n else rest


def _table_rows(section):
    """Rows of the first Markdown table in a section, as lists of cell texts."""
    rows = []
    for line in section.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        rows.append(cells)
    return rows[1:]  # without the header


def _ticked(cell):
    return re.findall(r"`([^`]+)`", cell)


class Contract:
    """docs/service-contract.md: binaries, ports, metrics."""

    def __init__(self, path):
        text = open(path, encoding="utf-8").read()
        # Every environment variable the binaries read.
        self.env = set(re.findall(r"\bANIMATE_[A-Z0-9_]+", text))
        self.binaries = {}  # name -> folder
        for row in _table_rows(_section(text, "Binaries")):
            names = _ticked(row[0])
            if names:
                self.binaries[names[0]] = row[1].strip().rstrip("/").strip("`")
        self.ports = {}  # who -> set of ports
        for row in _table_rows(_section(text, "Ports")):
            if row[0].isdigit():
                self.ports.setdefault(row[1].strip(), set()).add(int(row[0]))
        self.metrics = {}  # name -> {"type": ..., "labels": set()}
        for row in _table_rows(_section(text, "Metrics")):
            names = _ticked(row[0])
            if not names:
                continue
            self.metrics[names[0]] = {
                "type": row[1].strip(),
                "labels": set(_ticked(row[2])),
            }


# ---------------------------------------------------------------- YAML -> JSON

def yaml_to_objects(kubectl, yaml_text, what):
    """Kubernetes-style YAML documents -> list of dicts, via kubectl (offline).

    Every document needs apiVersion, kind and metadata.name (all Kubernetes
    objects and PrometheusRule have them). Raises RuntimeError with kubectl's
    message when the YAML does not parse.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(yaml_text)
        path = f.name
    try:
        proc = subprocess.run(
            [kubectl, "annotate", "--local", "-f", path, "-o", "json",
             "animate.dev/deploy-check=1"],
            capture_output=True, text=True, env=_offline_env())
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError(f"{what}: kubectl could not parse it: {proc.stderr.strip()}")
    objects = []
    decoder = json.JSONDecoder()
    text = proc.stdout
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        items = obj.get("items") if obj.get("kind") == "List" else [obj]
        for item in items:
            annotations = item.get("metadata", {}).get("annotations", {})
            annotations.pop("animate.dev/deploy-check", None)
            if not annotations:
                item["metadata"].pop("annotations", None)
            objects.append(item)
    return objects


def _offline_env():
    env = dict(os.environ)
    # Never read a real kubeconfig: these checks must not depend on a cluster.
    env["KUBECONFIG"] = os.devnull
    return env


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- PromQL

_PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
    "group_right", "offset", "bool", "inf", "nan", "atan2",
    # aggregation operators, also written `sum by (x) (...)`
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}


def promql_selectors(expr):
    """Metric selectors of a PromQL expression: [(metric, {label: value})].

    A small tokenizer, enough for the expressions in deploy/ and the chart:
    strings and label matchers are read properly, grouping clauses
    (by/without/on/ignoring/group_*) and range/subquery brackets are skipped,
    identifiers followed by '(' are functions.
    """
    out = []
    # offset / @ modifiers carry durations and timestamps, not metrics.
    expr = re.sub(r"\boffset\s+-?[0-9][0-9a-z]*|@\s*(?:[0-9.]+|start\(\)|end\(\))", " ", expr)
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = expr.index(c, i + 1)
            i = j + 1
            continue
        if c == "[":
            i = expr.index("]", i) + 1
            continue
        if c == "{":  # a selector without a metric name: {__name__=...}
            j = _matcher_end(expr, i)
            out.append((None, _matchers(expr[i + 1: j])))
            i = j + 1
            continue
        m = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*").match(expr, i)
        if not m:
            i += 1
            continue
        word = m.group(0)
        i = m.end()
        k = i
        while k < n and expr[k].isspace():
            k += 1
        if word.lower() in ("by", "without", "on", "ignoring", "group_left", "group_right"):
            if k < n and expr[k] == "(":
                i = expr.index(")", k) + 1
            continue
        if word.lower() in _PROMQL_KEYWORDS:
            continue
        if k < n and expr[k] == "(":
            continue  # a function or aggregation
        if word.startswith("$"):
            continue
        labels = {}
        if k < n and expr[k] == "{":
            j = _matcher_end(expr, k)
            labels = _matchers(expr[k + 1: j])
            i = j + 1
        if re.fullmatch(r"[0-9].*", word):
            continue
        out.append((word, labels))
    return out


def _matcher_end(expr, start):
    i = start + 1
    while expr[i] != "}":
        if expr[i] in "\"'`":
            i = expr.index(expr[i], i + 1)
        i += 1
    return i


def _matchers(body):
    labels = {}
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*')", body):
        labels[m.group(1)] = m.group(3)[1:-1]
    return labels


HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def check_metric_use(checker, contract, expr, where):
    """Every animate_ metric of expr is in the contract table, with its labels."""
    used = []
    for metric, labels in promql_selectors(expr):
        if metric is None:
            checker.fail(f"{where}: selector without a metric name in {expr!r}")
            continue
        base = metric
        if metric not in contract.metrics:
            for suffix in HISTOGRAM_SUFFIXES:
                if metric.endswith(suffix) and metric[: -len(suffix)] in contract.metrics:
                    base = metric[: -len(suffix)]
                    break
        if not checker.check(base in contract.metrics,
                             f"{where}: metric {metric} is not in docs/service-contract.md's Metrics table"):
            continue
        spec = contract.metrics[base]
        if base != metric:
            checker.check(spec["type"] == "histogram",
                          f"{where}: {metric} used as a histogram series but {base} is a {spec['type']}")
        allowed = set(spec["labels"]) | {"le"} if spec["type"] == "histogram" else set(spec["labels"])
        # Labels added by the scrape (Prometheus operator / Kubernetes SD).
        allowed |= {"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
        for label in labels:
            checker.check(label in allowed,
                          f"{where}: {metric} has no label {label!r} in the contract (has {sorted(spec['labels'])})")
        used.append(base)
    return used


def main_guard(fn):
    try:
        sys.exit(fn())
    except RuntimeError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
