#!/usr/bin/env python3
"""The Python half of scripts/check-deploy: what no validator of one file can see, that the files of one
deployment agree with each other and with the configuration they ship. Needs PyYAML.

    check_deploy.py references CONFIG
        prints the path of every file: secret reference in CONFIG, one a line (check-deploy makes a placeholder
        secret at each before running check-config)
    check_deploy.py systemd UNIT CONFIG
        the unit's LoadCredential= names are exactly the files CONFIG reads from /run/credentials/<unit>/;
        ExecStart= serves CONFIG's installed path; StateDirectory= holds store.path; LimitNOFILE= exceeds
        http.max_connections; TimeoutStopSec= exceeds segura.deadline_seconds
    check_deploy.py container CONTAINERFILE CONFIG
        every secret is under /run/secrets/segura-gateway/; EXPOSE has http.port and ops.port; the HEALTHCHECK
        asks /healthz on ops.port; the VOLUME holds store.path; CMD serves /etc/segura-gateway/config.yaml
    check_deploy.py kubernetes RENDERED CONFIG SECRET_EXAMPLE
        RENDERED is `kubectl kustomize` of an overlay: its ConfigMap holds CONFIG as it is; the workload mounts it
        where its args read it, mounts the Secret named in SECRET_EXAMPLE where CONFIG's references point, and the
        Secret's keys are exactly the files CONFIG reads; the probes ask /healthz and /readyz on ops.port; the
        container ports are http.port and ops.port; a volume holds store.path; the grace period exceeds
        segura.deadline_seconds

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 when any fails.
"""

import os
import re
import shlex
import sys

import yaml

failures = 0


def check(condition, message):
    global failures
    print(("ok:   " if condition else "FAIL: ") + message)
    if not condition:
        failures += 1


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def references(config):
    """Every file: secret reference in the configuration, wherever it sits."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.startswith("file:"):
            found.append(node[len("file:"):])

    walk(config)
    return found


def store_folder(config):
    return os.path.dirname(config["store"]["path"])


def seconds(text):
    """A systemd time span such as 60s, 1min 30s or 90 (seconds)."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    total = 0
    for number, unit in re.findall(r"(\d+)\s*([a-z]*)", text):
        total += int(number) * units[unit]
    return total


def systemd(unit_path, config_path):
    config = load(config_path)
    unit = os.path.basename(unit_path)
    settings = {}
    with open(unit_path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith(("#", ";", "[")) and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key.strip(), []).append(value.strip())

    credentials = sorted(value.split(":", 1)[0] for value in settings.get("LoadCredential", []))
    folder = f"/run/credentials/{unit}"
    referenced = references(config)
    check(all(os.path.dirname(path) == folder for path in referenced),
          f"every secret in {config_path} is read from {folder}/ ($CREDENTIALS_DIRECTORY)")
    check(sorted(os.path.basename(path) for path in referenced) == credentials,
          f"LoadCredential= names {credentials} are the secrets {config_path} reads")
    exec_start = shlex.split(settings.get("ExecStart", [""])[-1])
    check(exec_start[1:4] == ["serve", "--config", "/etc/segura-gateway/config.yaml"],
          "ExecStart= serves /etc/segura-gateway/config.yaml")
    state = settings.get("StateDirectory", [""])[-1]
    check(store_folder(config) == f"/var/lib/{state}", f"store.path is in StateDirectory= (/var/lib/{state})")
    check(settings.get("StateDirectoryMode", [""])[-1] == "0700", "StateDirectoryMode=0700")
    max_connections = config["http"].get("max_connections", 1024)
    check(int(settings.get("LimitNOFILE", ["0"])[-1]) > max_connections,
          f"LimitNOFILE= exceeds http.max_connections ({max_connections})")
    deadline = config["segura"].get("deadline_seconds", 30)
    check(seconds(settings.get("TimeoutStopSec", ["0"])[-1]) > deadline,
          f"TimeoutStopSec= exceeds segura.deadline_seconds ({deadline})")


def container(containerfile_path, config_path):
    config = load(config_path)
    with open(containerfile_path, encoding="utf-8") as handle:
        text = re.sub(r"\\\n\s*", " ", handle.read())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    # The last stage is the image that runs.
    stages = [index for index, line in enumerate(lines) if line.upper().startswith("FROM ")]
    runtime = lines[stages[-1]:]

    def instruction(name):
        return [line[len(name) + 1:].strip() for line in runtime if line.upper().startswith(name + " ")]

    referenced = references(config)
    check(bool(referenced) and all(os.path.dirname(path) == "/run/secrets/segura-gateway" for path in referenced),
          f"every secret in {config_path} is read from /run/secrets/segura-gateway/")
    exposed = {int(port.split("/")[0]) for line in instruction("EXPOSE") for port in line.split()}
    http_port, ops_port = config["http"]["port"], config["ops"]["port"]
    check({http_port, ops_port} <= exposed, f"EXPOSE has http.port {http_port} and ops.port {ops_port}")
    check(config["ops"].get("host") == "0.0.0.0", "ops.host is 0.0.0.0, so a published ops port answers")
    healthcheck = " ".join(instruction("HEALTHCHECK"))
    check(f"127.0.0.1:{ops_port}/healthz" in healthcheck, f"HEALTHCHECK asks /healthz on ops.port {ops_port}")
    volumes = " ".join(instruction("VOLUME"))
    check(f'"{store_folder(config)}"' in volumes, f"VOLUME holds store.path's folder {store_folder(config)}")
    check(instruction("CMD")[-1:] == ['["serve", "--config", "/etc/segura-gateway/config.yaml"]'],
          "CMD serves /etc/segura-gateway/config.yaml")
    check(any(re.fullmatch(r"\d+:\d+", user) and not user.startswith("0:") for user in instruction("USER")),
          "USER is a fixed, non-root UID:GID")


def kubernetes(rendered_path, config_path, secret_path):
    config = load(config_path)
    with open(config_path, encoding="utf-8") as handle:
        config_text = handle.read()
    with open(rendered_path, encoding="utf-8") as handle:
        documents = [document for document in yaml.safe_load_all(handle) if document]
    secret = load(secret_path)
    workloads = [d for d in documents if d["kind"] in ("StatefulSet", "Deployment")]
    config_maps = {d["metadata"]["name"]: d for d in documents if d["kind"] == "ConfigMap"}
    check(len(workloads) == 1, "the overlay renders one workload")
    if not workloads:
        return
    workload = workloads[0]
    pod = workload["spec"]["template"]["spec"]
    container = pod["containers"][0]
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}

    # The configuration.
    args = container.get("args", [])
    config_file = args[args.index("--config") + 1] if "--config" in args else ""
    config_volume = volumes.get(mounts.get(os.path.dirname(config_file), ""), {})
    config_map = config_maps.get(config_volume.get("configMap", {}).get("name"), {})
    check(config_map.get("data", {}).get(os.path.basename(config_file)) == config_text,
          f"{workload['kind']} mounts the ConfigMap holding {config_path} where its args read it ({config_file})")

    # The secrets.
    referenced = references(config)
    folders = {os.path.dirname(path) for path in referenced}
    secret_volume = volumes.get(mounts.get(next(iter(folders)), "") if len(folders) == 1 else "", {})
    check(secret_volume.get("secret", {}).get("secretName") == secret["metadata"]["name"],
          f"the Secret {secret['metadata']['name']} is mounted where {config_path}'s secrets are read ({sorted(folders)})")
    keys = sorted({**secret.get("data", {}), **secret.get("stringData", {})})
    check(keys == sorted(os.path.basename(path) for path in referenced),
          f"{secret_path}'s keys {keys} are the secrets {config_path} reads")

    # Ports and probes.
    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    http_port, ops_port = config["http"]["port"], config["ops"]["port"]
    check(ports.get("http") == http_port and ports.get("ops") == ops_port,
          f"container ports http={http_port} and ops={ops_port} match the configuration")
    check(config["ops"].get("host") == "0.0.0.0", "ops.host is 0.0.0.0, so the kubelet's probes reach it")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container.get(probe, {}).get("httpGet", {})
        port = ports.get(get.get("port"), get.get("port"))
        check(get.get("path") == path and port == ops_port, f"{probe} asks {path} on ops.port {ops_port}")

    # The store and the stop.
    store_volume = mounts.get(store_folder(config))
    claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
    check(store_volume in claims, f"a volume claim is mounted at store.path's folder {store_folder(config)}")
    deadline = config["segura"].get("deadline_seconds", 30)
    check(pod.get("terminationGracePeriodSeconds", 30) > deadline,
          f"terminationGracePeriodSeconds exceeds segura.deadline_seconds ({deadline})")
    check(pod.get("enableServiceLinks") is False, "enableServiceLinks is false (no Service variables override keys)")
    context = container.get("securityContext", {})
    check(context.get("readOnlyRootFilesystem") is True and context.get("allowPrivilegeEscalation") is False
          and context.get("capabilities", {}).get("drop") == ["ALL"] and context.get("runAsNonRoot") is True,
          "the container runs non-root, read-only, with no capabilities and no privilege escalation")


def main(argv):
    if len(argv) >= 2 and argv[0] == "references":
        for path in references(load(argv[1])):
            print(path)
        return 0
    commands = {"systemd": (systemd, 2), "container": (container, 2), "kubernetes": (kubernetes, 3)}
    if not argv or argv[0] not in commands or len(argv) != commands[argv[0]][1] + 1:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[0]][0](*argv[1:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
