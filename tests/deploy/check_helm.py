#!/usr/bin/env python3
"""Checks the Helm chart helm/animate with the real helm (and kubectl, offline).

For the default values and every helm/animate/ci/*-values.yaml:
  helm lint --strict, helm template, helm install --dry-run=client (NOTES),
  then the rendered objects, converted to JSON by `kubectl annotate --local`
  (no cluster; the API machinery's own YAML decoder), are checked for what a
  GPU deployment of animate needs: contract ports and environment variables,
  native gRPC probes with a long startup budget on the worker, a grace period
  longer than the drain time, GPU requests = limits, read-only weights,
  Redis with AOF + PVC (or the external URL), the HPA/KEDA/ServiceMonitor/PDB
  wiring (every selector matches the pods it is meant for), strict security
  contexts with /tmp on an emptyDir, recommended labels, pinned images.
Every file in tests/deploy/bad-values/ must make both `helm lint --strict`
and `helm template` fail (values.schema.json or a template `fail`).
Usage: check_helm.py --root <repo> --helm <helm> --kubectl <kubectl>
"""

import argparse
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import Checker, Contract, check_metric_use, run, yaml_to_objects  # noqa: E402

RELEASE = "anim"
NAMESPACE = "animate-test"
RECOMMENDED_LABELS = (
    "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
    "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)
MIN_WORKER_STARTUP_SECONDS = 600  # loading the 14B pipeline takes minutes

# What each values file must produce, beyond the generic checks.
SCENARIOS = {
    # Secure by default: API keys (a generated Secret), a Redis password (a
    # generated Secret), NetworkPolicies.
    "default": dict(values=None, redis="internal", server_hpa=True, keda=False, service_monitors=0,
                    pdbs=0, weights="pvc", gpu=1, auth=True, tls=False, redis_auth=True,
                    netpol=True, generated_keys=True, generated_redis_password=True),
    "insecure": dict(values="ci/insecure-values.yaml", redis="internal", server_hpa=True, keda=False,
                     service_monitors=0, pdbs=0, weights="pvc", gpu=1, auth=False, tls=False,
                     redis_auth=False, netpol=False),
    "external-redis": dict(values="ci/external-redis-values.yaml", redis="external",
                           redis_url="redis://redis.example.internal:6380/2", server_hpa=False,
                           server_replicas=3, keda=False, service_monitors=0, pdbs=0,
                           weights="initContainer", gpu=1, auth=True, tls=True, redis_auth=False,
                           netpol=True,
                           drain=600, node_selector={"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"}),
    "keda-monitoring": dict(values="ci/keda-monitoring-values.yaml", redis="internal", server_hpa=True,
                            keda=True, service_monitors=2, pdbs=2, weights="pvc", gpu=1, auth=True,
                            tls=False, redis_auth=True, netpol=True, generated_keys=True,
                            monitor_labels={"release": "prometheus"}),
    "prometheus-trigger": dict(values="ci/prometheus-trigger-values.yaml", redis="internal",
                               server_hpa=True, keda=True, keda_min=0, service_monitors=0, pdbs=0,
                               weights="pvc", gpu=0, auth=True, tls=False, redis_auth=True,
                               netpol=True, generated_redis_password=True),
}


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def pod_labels(obj):
    return obj["spec"]["template"]["metadata"].get("labels", {})


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def env_value(container, name):
    e = env_of(container).get(name)
    return None if e is None else e.get("value")


class Rendered:
    def __init__(self, objects):
        self.objects = objects

    def of(self, kind):
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind, name):
        for o in self.of(kind):
            if o["metadata"]["name"] == name:
                return o
        return None

    def workload(self, component):
        for o in self.of("Deployment") + self.of("StatefulSet"):
            if o["metadata"]["labels"].get("app.kubernetes.io/component") == component:
                return o
        return None

    def workloads(self):
        return self.of("Deployment") + self.of("StatefulSet")


def check_generic(r, ck, contract, scen, where):
    for o in r.objects:
        name = f"{where}: {o['kind']}/{o['metadata']['name']}"
        labels = o["metadata"].get("labels", {})
        required = [l for l in RECOMMENDED_LABELS
                    if not (l == "app.kubernetes.io/component" and o["kind"] == "ServiceAccount")]
        missing = [l for l in required if l not in labels]
        ck.check(not missing, f"{name}: missing recommended labels {missing}")
        ck.check(o["metadata"]["name"].startswith(RELEASE), f"{name}: name does not start with the release name")

    for w in r.workloads():
        name = f"{where}: {w['kind']}/{w['metadata']['name']}"
        spec = pod_spec(w)
        sel = w["spec"]["selector"]["matchLabels"]
        ck.check(labels_match(sel, pod_labels(w)), f"{name}: selector does not match its pod labels")
        ck.check("app.kubernetes.io/version" not in sel, f"{name}: version label in the immutable selector")
        psc = spec.get("securityContext", {})
        ck.check(psc.get("runAsNonRoot") is True, f"{name}: pod securityContext.runAsNonRoot is not true")
        ck.check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
                 f"{name}: pod seccompProfile is not RuntimeDefault")
        ck.check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] != 0,
                 f"{name}: pod runAsUser is not a non-zero uid")
        ck.check(spec.get("automountServiceAccountToken") is False,
                 f"{name}: service account token mounted (the pods never call the API)")
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        claim_templates = {c["metadata"]["name"] for c in w["spec"].get("volumeClaimTemplates", [])}
        for c in spec.get("initContainers", []) + spec["containers"]:
            cname = f"{name} container {c['name']}"
            sc = c.get("securityContext", {})
            ck.check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: allowPrivilegeEscalation not false")
            ck.check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{cname}: capabilities not dropped")
            ck.check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: root filesystem not read-only")
            ck.check(sc.get("privileged") is not True, f"{cname}: privileged")
            image = c["image"]
            ck.check(bool(re.search(r"(:[^/:@]+|@sha256:[0-9a-f]{64})$", image)) and not image.endswith(":latest"),
                     f"{cname}: image {image} is not pinned to a tag or digest")
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
            tmp = mounts.get("/tmp")
            if ck.check(tmp is not None, f"{cname}: no /tmp mount (the root filesystem is read-only)"):
                ck.check("emptyDir" in volumes.get(tmp["name"], {}), f"{cname}: /tmp is not an emptyDir")
            for m in c.get("volumeMounts", []):
                ck.check(m["name"] in volumes or m["name"] in claim_templates,
                         f"{cname}: mount of undeclared volume {m['name']}")
            if c in spec["containers"]:
                ck.check(bool(c.get("resources", {}).get("requests")), f"{cname}: no resource requests")
                ck.check("memory" in c.get("resources", {}).get("limits", {}), f"{cname}: no memory limit")
            for env in c.get("env", []):
                if env["name"].startswith("ANIMATE_"):
                    ck.check(env["name"] in contract.env,
                             f"{cname}: {env['name']} is not in docs/service-contract.md")
                if "valueFrom" in env and "secretKeyRef" in env["valueFrom"]:
                    ck.check(bool(env["valueFrom"]["secretKeyRef"].get("name")),
                             f"{cname}: {env['name']} references a Secret without a name")
                if "value" in env:
                    ck.check("<no value>" not in env["value"], f"{cname}: {env['name']} rendered '<no value>'")

    # Services select exactly one workload's pods, and their named target ports exist there.
    for s in r.of("Service"):
        name = f"{where}: Service/{s['metadata']['name']}"
        sel = s["spec"].get("selector", {})
        targets = [w for w in r.workloads() if labels_match(sel, pod_labels(w))]
        if not ck.check(len(targets) == 1, f"{name}: selects {len(targets)} workloads, want 1"):
            continue
        ports = {p["name"]: p["containerPort"] for c in pod_spec(targets[0])["containers"] for p in c.get("ports", [])}
        for p in s["spec"]["ports"]:
            tp = p.get("targetPort")
            if isinstance(tp, str):
                ck.check(tp in ports, f"{name}: targetPort {tp} is not a container port of {targets[0]['metadata']['name']}")

    # Contract ports per component.
    for component in ("server", "worker", "redis"):
        w = r.workload(component)
        if w is None:
            continue
        ports = {p["containerPort"] for c in pod_spec(w)["containers"] for p in c.get("ports", [])}
        ck.check(ports == contract.ports.get(component, set()),
                 f"{where}: {component} container ports {sorted(ports)} != contract {sorted(contract.ports.get(component, set()))}")

    for pdb in r.of("PodDisruptionBudget"):
        sel = pdb["spec"]["selector"]["matchLabels"]
        matches = [w for w in r.workloads() if labels_match(sel, pod_labels(w))]
        ck.check(len(matches) == 1, f"{where}: PodDisruptionBudget/{pdb['metadata']['name']} selects {len(matches)} workloads")
    for hpa in r.of("HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = r.get(ref["kind"], ref["name"])
        if ck.check(target is not None, f"{where}: HPA target {ref['name']} not rendered"):
            ck.check("replicas" not in target["spec"], f"{where}: {ref['name']} sets replicas under an HPA")
        metrics = hpa["spec"].get("metrics", [])
        ck.check(any(m.get("resource", {}).get("name") == "cpu" for m in metrics), f"{where}: HPA not on CPU")


def check_server(r, ck, contract, scen, where):
    w = r.workload("server")
    if not ck.check(w is not None, f"{where}: no server Deployment"):
        return
    spec = pod_spec(w)
    c = spec["containers"][0]
    ck.check(env_value(c, "ANIMATE_LISTEN") == "0.0.0.0:50051", f"{where}: server ANIMATE_LISTEN")
    ck.check(env_value(c, "ANIMATE_METRICS_LISTEN") == "0.0.0.0:9090", f"{where}: server ANIMATE_METRICS_LISTEN")
    ck.check("ANIMATE_REDIS_URL" in env_of(c), f"{where}: server has no ANIMATE_REDIS_URL")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        p = c.get(probe, {})
        if scen["tls"]:
            want = "/healthz" if probe == "livenessProbe" else "/readyz"
            ck.check(p.get("httpGet", {}).get("port") == 9090 and p["httpGet"].get("path") == want,
                     f"{where}: server {probe} with TLS must GET {want} on 9090 (gRPC probes are plaintext)")
        else:
            ck.check(p.get("grpc", {}).get("port") == 50051, f"{where}: server {probe} is not a gRPC probe on 50051")
    ck.check("preStop" in c.get("lifecycle", {}), f"{where}: server has no preStop (endpoint removal before SIGTERM)")
    hpa = [h for h in r.of("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == w["metadata"]["name"]]
    ck.check(bool(hpa) == scen["server_hpa"], f"{where}: server HPA present={bool(hpa)}, want {scen['server_hpa']}")
    if not scen["server_hpa"]:
        ck.check(w["spec"].get("replicas") == scen.get("server_replicas", 2), f"{where}: server replicas")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    keys_file = env_value(c, "ANIMATE_API_KEYS_FILE")
    ck.check(bool(keys_file) == scen["auth"], f"{where}: ANIMATE_API_KEYS_FILE set={bool(keys_file)}, want {scen['auth']}")
    insecure = env_value(c, "ANIMATE_INSECURE_NO_AUTH") == "true"
    ck.check(insecure == (not scen["auth"]),
             f"{where}: ANIMATE_INSECURE_NO_AUTH set={insecure}, want {not scen['auth']} (the server needs keys or the flag)")
    if keys_file:
        m = mounts.get(os.path.dirname(keys_file))
        if ck.check(m is not None and m.get("readOnly"), f"{where}: API keys folder not mounted read-only"):
            secret = volumes[m["name"]].get("secret", {})
            ck.check(any(i["path"] == os.path.basename(keys_file) for i in secret.get("items", [])),
                     f"{where}: API keys Secret does not project {os.path.basename(keys_file)}")
            name = secret.get("secretName")
            rendered = r.get("Secret", name)
            if rendered is not None:
                ck.check(os.path.basename(keys_file) in rendered.get("data", {}) or
                         os.path.basename(keys_file) in rendered.get("stringData", {}),
                         f"{where}: rendered Secret {name} lacks the keys file")
    for var, fname in (("ANIMATE_TLS_CERT", "tls.crt"), ("ANIMATE_TLS_KEY", "tls.key")):
        v = env_value(c, var)
        ck.check(bool(v) == scen["tls"], f"{where}: {var} set={bool(v)}, want {scen['tls']}")
        if v:
            m = mounts.get(os.path.dirname(v))
            ck.check(m is not None and "secret" in volumes[m["name"]] and os.path.basename(v) == fname,
                     f"{where}: {var} does not point into the mounted TLS Secret")


def check_worker(r, ck, contract, scen, where, values):
    w = r.workload("worker")
    if not ck.check(w is not None, f"{where}: no worker Deployment"):
        return
    spec = pod_spec(w)
    c = spec["containers"][0]
    env = env_of(c)
    ck.check(env_value(c, "ANIMATE_HEALTH_LISTEN") == "0.0.0.0:50052", f"{where}: worker ANIMATE_HEALTH_LISTEN")
    ck.check(env_value(c, "ANIMATE_METRICS_LISTEN") == "0.0.0.0:9091", f"{where}: worker ANIMATE_METRICS_LISTEN")
    ck.check("ANIMATE_REDIS_URL" in env, f"{where}: worker has no ANIMATE_REDIS_URL")
    # Native gRPC probes on the health port; a startup budget of minutes.
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        p = c.get(probe, {})
        ck.check(p.get("grpc", {}).get("port") == 50052, f"{where}: worker {probe} is not a gRPC probe on 50052")
    sp = c.get("startupProbe", {})
    budget = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3)
    ck.check(budget >= MIN_WORKER_STARTUP_SECONDS,
             f"{where}: worker startup budget {budget} s < {MIN_WORKER_STARTUP_SECONDS} s (model load takes minutes)")
    # Grace period covers the drain.
    drain = int(env_value(c, "ANIMATE_DRAIN_SECONDS") or 0)
    ck.check(drain == scen.get("drain", 300), f"{where}: ANIMATE_DRAIN_SECONDS {drain}")
    ck.check(spec.get("terminationGracePeriodSeconds", 30) > drain,
             f"{where}: terminationGracePeriodSeconds {spec.get('terminationGracePeriodSeconds')} <= drain {drain}")
    # GPUs.
    res = c.get("resources", {})
    gpu_req = res.get("requests", {}).get("nvidia.com/gpu")
    gpu_lim = res.get("limits", {}).get("nvidia.com/gpu")
    if scen["gpu"]:
        ck.check(str(gpu_req) == str(gpu_lim) == str(scen["gpu"]),
                 f"{where}: nvidia.com/gpu requests={gpu_req} limits={gpu_lim}, want {scen['gpu']} both")
        ck.check(any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", [])),
                 f"{where}: worker does not tolerate the nvidia.com/gpu taint")
    else:
        ck.check(gpu_req is None and gpu_lim is None, f"{where}: CPU worker requests a GPU")
    if scen.get("node_selector"):
        ck.check(spec.get("nodeSelector") == scen["node_selector"], f"{where}: worker nodeSelector")
    # Weights: read-only in the worker.
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mount = next((m for m in c.get("volumeMounts", []) if m["name"] == "weights"), None)
    if ck.check(mount is not None, f"{where}: worker has no weights mount"):
        ck.check(mount.get("readOnly") is True, f"{where}: weights mounted writable in the worker")
        root = mount["mountPath"]
        for var in ("ANIMATE_WEIGHTS", "ANIMATE_UNIANIMATE_CKPT"):
            v = env_value(c, var) or ""
            ck.check(v.startswith(root + "/"), f"{where}: {var}={v!r} is not under the weights mount {root}")
        ck.check((env_value(c, "ANIMATE_WEIGHTS") or "").endswith("/Wan2.1-I2V-14B-720P"),
                 f"{where}: ANIMATE_WEIGHTS is not the Wan2.1-I2V-14B-720P folder")
        vol = volumes.get("weights", {})
        if scen["weights"] == "pvc":
            ck.check(vol.get("persistentVolumeClaim", {}).get("readOnly") is True,
                     f"{where}: weights PVC not read-only")
            ck.check(not spec.get("initContainers"), f"{where}: init container with PVC weights")
        else:
            ck.check("emptyDir" in vol, f"{where}: init-container weights are not on an emptyDir")
            inits = spec.get("initContainers", [])
            ck.check(any(any(m["name"] == "weights" and not m.get("readOnly") for m in i.get("volumeMounts", []))
                         for i in inits), f"{where}: no init container writes the weights volume")
    # Replicas: KEDA owns them when enabled.
    scaled = [s for s in r.of("ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == w["metadata"]["name"]]
    ck.check(bool(scaled) == scen["keda"], f"{where}: ScaledObject present={bool(scaled)}, want {scen['keda']}")
    if scen["keda"]:
        ck.check("replicas" not in w["spec"], f"{where}: worker sets replicas under KEDA")
        so = scaled[0]
        ck.check(so["spec"]["minReplicaCount"] == scen.get("keda_min", 1), f"{where}: KEDA minReplicaCount")
        for t in so["spec"]["triggers"]:
            if t["type"] == "prometheus":
                check_metric_use(ck, contract, t["metadata"]["query"], f"{where}: KEDA query")
                ck.check(float(t["metadata"]["threshold"]) > 0, f"{where}: KEDA threshold must be > 0")
    else:
        ck.check(isinstance(w["spec"].get("replicas"), int), f"{where}: worker replicas not set without KEDA")


def check_security(r, ck, scen, where):
    """Generated Secrets and NetworkPolicies (the secure defaults)."""
    secrets = {o["metadata"]["name"]: o for o in r.of("Secret")}
    keys = [s for n, s in secrets.items() if n.endswith("-api-keys")]
    if scen.get("generated_keys"):
        if ck.check(len(keys) == 1, f"{where}: no generated API keys Secret"):
            text = keys[0].get("stringData", {}).get("api-keys", "")
            key, _, tenant = text.strip().partition(" ")
            ck.check(len(key) >= 32 and key.isalnum() and tenant == "default",
                     f"{where}: generated API key is not a long random key for tenant 'default'")
    pw = [s for n, s in secrets.items() if n.endswith("-redis-auth")]
    if scen.get("generated_redis_password"):
        if ck.check(len(pw) == 1, f"{where}: no generated Redis password Secret"):
            value = pw[0].get("stringData", {}).get("redis-password", "")
            ck.check(len(value) >= 32 and value.isalnum(), f"{where}: generated Redis password is weak")
    else:
        ck.check(not pw, f"{where}: a Redis password Secret was generated although one was given or off")
    sts = r.workload("redis")
    if sts is not None:
        args = pod_spec(sts)["containers"][0].get("args", [])
        pairs = dict(zip(args[::2], args[1::2]))
        want = "yes" if scen["redis_auth"] else "no"
        ck.check(pairs.get("--protected-mode") == want, f"{where}: Redis --protected-mode is not {want}")
    policies = {p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component"): p
                for p in r.of("NetworkPolicy")}
    if not scen["netpol"]:
        ck.check(not policies, f"{where}: NetworkPolicies rendered although disabled")
        return
    want = {"server", "worker"} | ({"redis"} if scen["redis"] == "internal" else set())
    ck.check(set(policies) == want, f"{where}: NetworkPolicies for {sorted(policies)}, want {sorted(want)}")
    if "redis" in policies:
        rules = policies["redis"]["spec"]["ingress"]
        peers = [p["podSelector"]["matchLabels"].get("app.kubernetes.io/component") for p in rules[0]["from"]]
        ck.check(len(rules) == 1 and sorted(peers) == ["server", "worker"],
                 f"{where}: Redis NetworkPolicy admits {peers}, want only server and worker")
    if "server" in policies:
        ports = sorted(p["port"] for rule in policies["server"]["spec"]["ingress"] or [] for p in rule["ports"])
        ck.check(ports == [9090, 50051], f"{where}: server NetworkPolicy opens {ports}")
        grpc_rule = [rule for rule in policies["server"]["spec"]["ingress"] if rule["ports"][0]["port"] == 50051]
        ck.check(bool(grpc_rule) and all("namespaceSelector" in p or "podSelector" in p for p in grpc_rule[0]["from"]),
                 f"{where}: server gRPC is not limited to selected peers")
    if "worker" in policies:
        ports = sorted(p["port"] for rule in policies["worker"]["spec"]["ingress"] or [] for p in rule["ports"])
        ck.check(ports == [9091, 50052], f"{where}: worker NetworkPolicy opens {ports}")


def check_redis(r, ck, contract, scen, where):
    sts = r.workload("redis")
    server = r.workload("server")
    url_env = env_of(pod_spec(server)["containers"][0]).get("ANIMATE_REDIS_URL", {}) if server else {}
    if scen["redis"] == "internal":
        if not ck.check(sts is not None and sts["kind"] == "StatefulSet", f"{where}: no Redis StatefulSet"):
            return
        c = pod_spec(sts)["containers"][0]
        args = c.get("args", [])
        pairs = dict(zip(args[::2], args[1::2]))
        ck.check(pairs.get("--appendonly") == "yes", f"{where}: Redis without AOF (--appendonly yes)")
        ck.check(pairs.get("--maxmemory-policy") == "noeviction", f"{where}: Redis may evict queue keys")
        ck.check(pairs.get("--dir") == "/data", f"{where}: Redis data dir is not /data")
        claims = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])]
        ck.check("data" in claims, f"{where}: Redis has no PVC template 'data'")
        ck.check(any(m["name"] == "data" and m["mountPath"] == "/data" for m in c.get("volumeMounts", [])),
                 f"{where}: Redis PVC not mounted at /data")
        svc = r.get("Service", sts["metadata"]["name"])
        ck.check(svc is not None, f"{where}: no Service named like the Redis StatefulSet")
        ck.check(r.get("Service", sts["spec"]["serviceName"]) is not None,
                 f"{where}: StatefulSet serviceName {sts['spec']['serviceName']} not rendered")
        url = url_env.get("value", "")
        if svc is not None:
            port = svc["spec"]["ports"][0]["port"]
            want_host = f"{svc['metadata']['name']}:{port}/0"
            ck.check(url.startswith("redis://") and url.endswith("@" + want_host) if scen["redis_auth"]
                     else url == "redis://" + want_host, f"{where}: ANIMATE_REDIS_URL {url!r} does not reach {want_host}")
        if scen["redis_auth"]:
            ck.check("$(REDIS_PASSWORD)" in url, f"{where}: Redis password not taken from the Secret")
            ck.check(pairs.get("--requirepass") == "$(REDIS_PASSWORD)", f"{where}: Redis runs without requirepass")
            names = [e["name"] for e in pod_spec(server)["containers"][0]["env"]]
            ck.check(names.index("REDIS_PASSWORD") < names.index("ANIMATE_REDIS_URL"),
                     f"{where}: REDIS_PASSWORD must precede ANIMATE_REDIS_URL for $(VAR) expansion")
    else:
        ck.check(sts is None, f"{where}: Redis rendered although redis.enabled=false")
        ck.check(not [s for s in r.of("Service") if s["metadata"]["name"].endswith("-redis")],
                 f"{where}: Redis Service rendered although redis.enabled=false")
        ck.check(url_env.get("value") == scen["redis_url"], f"{where}: ANIMATE_REDIS_URL is not the external URL")


def check_monitoring(r, ck, scen, where):
    sms = r.of("ServiceMonitor")
    ck.check(len(sms) == scen["service_monitors"], f"{where}: {len(sms)} ServiceMonitors, want {scen['service_monitors']}")
    components = set()
    for sm in sms:
        sel = sm["spec"]["selector"]["matchLabels"]
        svcs = [s for s in r.of("Service") if labels_match(sel, s["metadata"]["labels"])]
        if not ck.check(len(svcs) == 1, f"{where}: ServiceMonitor {sm['metadata']['name']} selects {len(svcs)} Services"):
            continue
        components.add(svcs[0]["metadata"]["labels"]["app.kubernetes.io/component"])
        names = {p["name"]: p for p in svcs[0]["spec"]["ports"]}
        for ep in sm["spec"]["endpoints"]:
            ck.check(ep.get("port") in names, f"{where}: ServiceMonitor port {ep.get('port')} not on the Service")
            ck.check(ep.get("path") == "/metrics", f"{where}: ServiceMonitor path")
            target_port = names.get(ep.get("port"), {}).get("targetPort")
            ck.check(target_port == "metrics", f"{where}: ServiceMonitor does not scrape the metrics port")
        for k, v in scen.get("monitor_labels", {}).items():
            ck.check(sm["metadata"]["labels"].get(k) == v, f"{where}: ServiceMonitor lacks label {k}={v}")
    if scen["service_monitors"]:
        ck.check(components == {"server", "worker"}, f"{where}: ServiceMonitors cover {sorted(components)}")
    pdbs = r.of("PodDisruptionBudget")
    ck.check(len(pdbs) == scen["pdbs"], f"{where}: {len(pdbs)} PodDisruptionBudgets, want {scen['pdbs']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    chart = os.path.join(root, "helm", "animate")
    ck = Checker("deploy_helm")
    contract = Contract(os.path.join(root, "docs", "service-contract.md"))
    env = dict(os.environ, HELM_CACHE_HOME=tempfile.mkdtemp(), HELM_CONFIG_HOME=tempfile.mkdtemp(),
               HELM_DATA_HOME=tempfile.mkdtemp(), KUBECONFIG=os.devnull)

    # The schema is strict where it matters.
    schema = json.load(open(os.path.join(chart, "values.schema.json")))
    ck.check(schema.get("additionalProperties") is False, "values.schema.json: top level allows unknown keys")
    for key in ("server", "worker", "redis", "autoscaling", "monitoring"):
        ck.check(schema["properties"][key].get("additionalProperties") is False,
                 f"values.schema.json: {key} allows unknown keys")

    ci_files = sorted(f"ci/{f}" for f in os.listdir(os.path.join(chart, "ci")) if f.endswith(".yaml"))
    covered = sorted(s["values"] for s in SCENARIOS.values() if s["values"])
    ck.check(ci_files == covered, f"helm/animate/ci has {ci_files}, the scenarios cover {covered}")

    for scen_name, scen in SCENARIOS.items():
        where = f"[{scen_name}]"
        vargs = ["-f", os.path.join(chart, scen["values"])] if scen["values"] else []
        lint = run([a.helm, "lint", "--strict", chart] + vargs, env=env)
        ck.check(lint.returncode == 0, f"{where}: helm lint --strict failed:\n{lint.stdout}{lint.stderr}")
        tpl = run([a.helm, "template", RELEASE, chart, "--namespace", NAMESPACE] + vargs, env=env)
        if not ck.check(tpl.returncode == 0, f"{where}: helm template failed:\n{tpl.stderr}"):
            continue
        ck.check("<no value>" not in tpl.stdout, f"{where}: '<no value>' in the rendered manifests")
        objects = yaml_to_objects(a.kubectl, tpl.stdout, f"{where} helm template output")
        r = Rendered(objects)
        print(f"{where}: {len(objects)} objects: " +
              ", ".join(sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects)))
        check_generic(r, ck, contract, scen, where)
        check_server(r, ck, contract, scen, where)
        check_worker(r, ck, contract, scen, where, scen)
        check_redis(r, ck, contract, scen, where)
        check_monitoring(r, ck, scen, where)
        check_security(r, ck, scen, where)
        dry = run([a.helm, "install", RELEASE, chart, "--namespace", NAMESPACE, "--dry-run=client"] + vargs, env=env)
        if ck.check(dry.returncode == 0, f"{where}: helm install --dry-run=client failed:\n{dry.stderr}"):
            notes = dry.stdout.partition("NOTES:")[2]
            ck.check("rollout status" in notes and "port-forward" in notes, f"{where}: NOTES.txt not rendered")
            ck.check("<no value>" not in notes, f"{where}: '<no value>' in NOTES.txt")

    bad_dir = os.path.join(root, "tests", "deploy", "bad-values")
    bad = sorted(f for f in os.listdir(bad_dir) if f.endswith(".yaml"))
    ck.check(len(bad) >= 3, "too few bad values files")
    for f in bad:
        path = os.path.join(bad_dir, f)
        lint = run([a.helm, "lint", "--strict", chart, "-f", path], env=env)
        tpl = run([a.helm, "template", RELEASE, chart, "-f", path], env=env)
        ck.check(lint.returncode != 0, f"bad-values/{f}: helm lint --strict accepted it")
        ck.check(tpl.returncode != 0, f"bad-values/{f}: helm template accepted it")
        lines = [l.strip() for l in tpl.stderr.splitlines() if l.strip().startswith(("Error", "- at"))]
        reason = lines[-1] if lines else "?"
        print(f"bad-values/{f}: rejected ({reason.strip()[:150]})")
    return ck.finish()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
