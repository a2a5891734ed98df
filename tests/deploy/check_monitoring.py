#!/usr/bin/env python3
"""Checks deploy/: alert rules, Grafana dashboard, ghz configs, against the contract.

- docs/service-contract.md's Metrics table is well formed (animate_ prefix,
  Prometheus naming: counters end in _total, durations in _seconds, ...), and
  deploy/README.md lists exactly the same metrics;
- deploy/prometheus-rules.yaml parses (kubectl, offline) as a PrometheusRule;
  every alert has a PromQL expression whose metrics and label matchers are in
  the contract table, a severity and a summary; the required alerts exist
  (queue backlog, job failure rate, worker not ready, GPU memory);
- deploy/grafana/animate-dashboard.json parses, every query and template
  variable uses only contract metrics/labels, and every contract metric is on
  the dashboard;
- deploy/ghz/*.json parse, call RPCs that exist in the proto with request
  fields that exist, and the WatchJob config has no per-call timeout.
Usage: check_monitoring.py --root <repo> --kubectl <kubectl>
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import Checker, Contract, check_metric_use, yaml_to_objects  # noqa: E402

REQUIRED_ALERT_METRICS = {
    "queue backlog": "animate_jobs_pending",
    "job failure rate": "animate_jobs_finished_total",
    "worker not ready": "animate_worker_ready",
    "GPU memory": "animate_gpu_memory_used_bytes",
}


def check_contract_table(ck, contract, root):
    ck.check(len(contract.metrics) >= 10, "the contract's Metrics table has fewer than 10 metrics")
    for name, spec in contract.metrics.items():
        ck.check(re.fullmatch(r"animate_[a-z0-9_]+", name) is not None, f"metric {name}: not animate_[a-z0-9_]+")
        ck.check(spec["type"] in ("counter", "gauge", "histogram"), f"metric {name}: unknown type {spec['type']}")
        if spec["type"] == "counter":
            ck.check(name.endswith("_total"), f"counter {name} does not end in _total")
        else:
            ck.check(not name.endswith("_total"), f"{spec['type']} {name} ends in _total")
        if spec["type"] == "histogram":
            ck.check(name.endswith("_seconds") or name.endswith("_bytes"), f"histogram {name} has no unit suffix")
        if name.startswith("animate_gpu_"):
            ck.check("gpu" in spec["labels"], f"GPU metric {name} has no gpu label")
        for label in spec["labels"]:
            ck.check(re.fullmatch(r"[a-z_]+", label) is not None, f"metric {name}: bad label {label}")
    readme = open(os.path.join(root, "deploy", "README.md"), encoding="utf-8").read()
    listed = set()
    for line in readme.splitlines():
        m = re.match(r"\|\s*`(animate_[a-z0-9_]+)`", line)
        if m:
            listed.add(m.group(1))
    ck.check(listed == set(contract.metrics),
             "deploy/README.md's metrics table differs from the contract: "
             f"only in README {sorted(listed - set(contract.metrics))}, "
             f"only in contract {sorted(set(contract.metrics) - listed)}")


def parens_balanced(expr):
    depth = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def check_rules(ck, contract, root, kubectl):
    path = os.path.join(root, "deploy", "prometheus-rules.yaml")
    objects = yaml_to_objects(kubectl, open(path, encoding="utf-8").read(), "deploy/prometheus-rules.yaml")
    ck.check(len(objects) == 1 and objects[0]["kind"] == "PrometheusRule"
             and objects[0]["apiVersion"] == "monitoring.coreos.com/v1",
             "deploy/prometheus-rules.yaml is not one monitoring.coreos.com/v1 PrometheusRule")
    alerts = {}
    used = set()
    for group in objects[0].get("spec", {}).get("groups", []):
        ck.check(bool(group.get("name")), "a rule group without a name")
        for rule in group.get("rules", []):
            name = rule.get("alert") or rule.get("record")
            where = f"prometheus-rules.yaml {name}"
            if not ck.check(bool(rule.get("alert")), f"{where}: not an alert (recording rules are not expected)"):
                continue
            ck.check(name not in alerts, f"{where}: duplicate alert name")
            expr = rule.get("expr", "")
            ck.check(bool(expr.strip()), f"{where}: empty expr")
            ck.check(parens_balanced(expr), f"{where}: unbalanced parentheses")
            metrics = check_metric_use(ck, contract, expr, where)
            ck.check(bool(metrics), f"{where}: uses no animate_ metric")
            used.update(metrics)
            if "for" in rule:
                ck.check(re.fullmatch(r"\d+[smhd]", rule["for"]) is not None, f"{where}: bad 'for' {rule['for']}")
            ck.check(rule.get("labels", {}).get("severity") in ("critical", "warning", "info"),
                     f"{where}: severity must be critical, warning or info")
            ck.check(bool(rule.get("annotations", {}).get("summary")), f"{where}: no summary annotation")
            alerts[name] = rule
    for what, metric in REQUIRED_ALERT_METRICS.items():
        ck.check(metric in used, f"no alert for {what} (on {metric})")
    print(f"prometheus-rules.yaml: {len(alerts)} alerts: {', '.join(sorted(alerts))}")


def iter_panels(panels):
    for p in panels:
        yield p
        yield from iter_panels(p.get("panels", []))


def check_dashboard(ck, contract, root):
    path = os.path.join(root, "deploy", "grafana", "animate-dashboard.json")
    dash = json.load(open(path, encoding="utf-8"))
    for key in ("title", "uid", "panels", "schemaVersion", "templating"):
        ck.check(key in dash, f"dashboard: no {key}")
    used = set()
    ids = []
    for p in iter_panels(dash.get("panels", [])):
        ids.append(p.get("id"))
        if p.get("type") == "row":
            continue
        where = f"dashboard panel {p.get('title')!r}"
        ck.check("gridPos" in p, f"{where}: no gridPos")
        ds = p.get("datasource", {})
        ck.check(isinstance(ds, dict) and ds.get("uid") == "${datasource}",
                 f"{where}: datasource is not the ${{datasource}} variable")
        targets = p.get("targets", [])
        ck.check(bool(targets), f"{where}: no queries")
        for t in targets:
            expr = t.get("expr", "")
            ck.check(parens_balanced(expr), f"{where}: unbalanced parentheses in {expr!r}")
            used.update(check_metric_use(ck, contract, expr, where))
    ck.check(len(ids) == len(set(ids)), "dashboard: duplicate panel ids")
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\(\s*([^,]+?)\s*,\s*([A-Za-z_]+)\s*\)\s*", q)
        if var.get("type") == "query" and ck.check(m is not None, f"dashboard variable {var.get('name')}: unsupported query {q!r}"):
            used.update(check_metric_use(ck, contract, m.group(1), f"dashboard variable {var.get('name')}"))
    missing = set(contract.metrics) - used
    ck.check(not missing, f"dashboard does not show contract metrics {sorted(missing)}")
    print(f"dashboard: {len(ids)} panels, {len(used)} metrics")


def parse_proto(path):
    """-> (rpcs {name: (request type, client streaming, server streaming)},
           messages {name: {field: type}}) of a proto3 file (flat messages)."""
    text = re.sub(r"//[^\n]*", "", open(path, encoding="utf-8").read())
    rpcs = {}
    for m in re.finditer(r"rpc\s+(\w+)\s*\(\s*(stream\s+)?(\w+)\s*\)\s*returns\s*\(\s*(stream\s+)?(\w+)\s*\)", text):
        rpcs[m.group(1)] = (m.group(3), bool(m.group(2)), bool(m.group(4)))
    messages = {}
    for m in re.finditer(r"message\s+(\w+)\s*\{", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end(): i - 1]
        fields = {}
        for f in re.finditer(r"(?:optional\s+|repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+\s*;", body):
            fields[f.group(2)] = f.group(1)
        messages[m.group(1)] = fields
    return rpcs, messages


def check_fields(ck, messages, type_name, data, where):
    fields = messages.get(type_name)
    if not ck.check(fields is not None, f"{where}: unknown message {type_name}"):
        return
    for key, value in data.items():
        if ck.check(key in fields, f"{where}: {type_name} has no field {key}") and isinstance(value, dict):
            check_fields(ck, messages, fields[key], value, f"{where}.{key}")


def check_ghz(ck, root):
    rpcs, messages = parse_proto(os.path.join(root, "proto", "animate", "v1", "animate_service.proto"))
    ck.check("WatchJob" in rpcs and "CreateJob" in rpcs, "proto: WatchJob/CreateJob not found")
    ghz_dir = os.path.join(root, "deploy", "ghz")
    seen = set()
    for f in sorted(os.listdir(ghz_dir)):
        if not f.endswith(".json"):
            continue
        where = f"ghz/{f}"
        text = re.sub(r"\$\{[A-Z_]+\}", "X", open(os.path.join(ghz_dir, f), encoding="utf-8").read())
        cfg = json.loads(text)
        call = cfg.get("call", "")
        m = re.fullmatch(r"animate\.v1\.AnimateService\.(\w+)", call)
        if not ck.check(m is not None and m.group(1) in rpcs, f"{where}: call {call!r} is not an AnimateService RPC"):
            continue
        rpc = m.group(1)
        seen.add(rpc)
        request, client_stream, server_stream = rpcs[rpc]
        ck.check(not client_stream, f"{where}: client-streaming calls (uploads) are not JSON load tests")
        check_fields(ck, messages, request, cfg.get("data", {}), where)
        ck.check(cfg.get("host", "").endswith(":50051"), f"{where}: host is not the server's port 50051")
        if server_stream:
            # Streams last as long as the job: no per-call timeout, bounded by
            # the stream duration instead; count streams, not latencies.
            ck.check(cfg.get("timeout") in ("0", "0s"), f"{where}: streaming call with a per-call timeout")
            ck.check("stream-call-duration" in cfg or "duration" in cfg,
                     f"{where}: streaming load test without a duration bound")
    for rpc in ("CreateJob", "GetJob", "WatchJob"):
        ck.check(rpc in seen, f"no ghz config for {rpc}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--kubectl", required=True)
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    ck = Checker("deploy_monitoring")
    contract = Contract(os.path.join(root, "docs", "service-contract.md"))
    check_contract_table(ck, contract, root)
    check_rules(ck, contract, root, a.kubectl)
    check_dashboard(ck, contract, root)
    check_ghz(ck, root)
    return ck.finish()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, ValueError, json.JSONDecodeError) as e:
        print(f"FAIL: {e}")
        sys.exit(1)
