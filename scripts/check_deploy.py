#!/usr/bin/env python3
"""The Python half of scripts/check-deploy: what no validator of one file can see, that the files of one
deployment agree with each other and with the configuration they ship. Needs PyYAML.

A configuration with store.postgres is a PostgreSQL deployment (several replicas, one database); one without is
a SQLite deployment (one process, one file at store.path). "The files CONFIG reads" are its file: secret
references and, on PostgreSQL, the sslrootcert of store.postgres.url.

    check_deploy.py references CONFIG
        prints every file CONFIG reads, one a line, as "secret PATH" or "certificate PATH" (check-deploy makes a
        placeholder at each before running check-config)
    check_deploy.py store CONFIG
        prints what check-config's summary of CONFIG must show on its store: line: the database's host on
        PostgreSQL, store.path on SQLite
    check_deploy.py environment RENDERED
        prints the environment the workload in RENDERED (`kubectl kustomize` of an overlay) gives its container,
        NAME=VALUE a line, for check-config: values as given, and for a valueFrom a stand-in (the pod's name for
        metadata.name)
    check_deploy.py systemd UNIT CONFIG [DROP_IN...]
        the LoadCredential= names of UNIT and its drop-ins are exactly the files CONFIG reads from
        /run/credentials/<unit>/; ExecStart= serves CONFIG's installed path; StateDirectory= holds store.path
        (SQLite); LimitNOFILE= exceeds http.max_connections; TimeoutStopSec= exceeds segura.deadline_seconds
    check_deploy.py container CONTAINERFILE CONFIG
        every file CONFIG reads is under /run/secrets/segura-gateway/; EXPOSE has http.port and ops.port; the
        HEALTHCHECK asks /healthz on ops.port; the VOLUME holds store.path (SQLite); CMD serves
        /etc/segura-gateway/config.yaml
    check_deploy.py kubernetes RENDERED CONFIG SECRET_EXAMPLE
        RENDERED is `kubectl kustomize` of an overlay: its ConfigMap holds CONFIG as it is; the workload mounts it
        where its args read it, mounts the Secret named in SECRET_EXAMPLE where CONFIG's files are read, and the
        Secret's keys are exactly those files; the probes ask /healthz and /readyz on ops.port; the container
        ports are http.port and ops.port; resources, a read-only root and no privileges; the grace period exceeds
        segura.deadline_seconds. SQLite: one replica of a StatefulSet with a volume claim at store.path's folder,
        and no PodDisruptionBudget. PostgreSQL: a Deployment of two or more replicas without volume claims, each
        with GRANTS_INSTANCE_ID from its pod's name, spread across nodes, a PodDisruptionBudget selecting them,
        egress to the database's port in the NetworkPolicy, and sslmode=verify-full with no password in the URL

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 when any fails.
"""

import os
import re
import shlex
import sys
from urllib.parse import parse_qs, urlsplit

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


def postgres(config):
    """store.postgres, or None on the SQLite store."""
    return (config.get("store") or {}).get("postgres")


def postgres_url(config):
    return urlsplit(postgres(config)["url"])


def certificates(config):
    """The CA file that store.postgres.url names as sslrootcert, if any."""
    if not postgres(config):
        return []
    return parse_qs(postgres_url(config).query).get("sslrootcert", [])


def files(config):
    """Every file the deployment must provide for CONFIG: its secrets and the database's CA."""
    return references(config) + certificates(config)


def store_folder(config):
    return os.path.dirname(config["store"]["path"])


def check_postgres_url(config, config_path):
    url = postgres_url(config)
    query = parse_qs(url.query)
    check(url.password is None and postgres(config).get("password", "").startswith("file:"),
          f"{config_path}: no password in store.postgres.url; store.postgres.password is a file: reference")
    check(query.get("sslmode") == ["verify-full"],
          f"{config_path}: store.postgres.url has sslmode=verify-full (the server's certificate and name are checked)")


def seconds(text):
    """A systemd time span such as 60s, 1min 30s or 90 (seconds)."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    total = 0
    for number, unit in re.findall(r"(\d+)\s*([a-z]*)", text):
        total += int(number) * units[unit]
    return total


def systemd(unit_path, config_path, *drop_ins):
    config = load(config_path)
    unit = os.path.basename(unit_path)
    settings = {}
    for path in (unit_path, *drop_ins):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith(("#", ";", "[")) and "=" in line:
                    key, value = (part.strip() for part in line.split("=", 1))
                    if value:
                        settings.setdefault(key, []).append(value)
                    else:
                        settings[key] = []  # an empty assignment resets the list, as in systemd
    sources = " and ".join(os.path.basename(path) for path in (unit_path, *drop_ins))

    credentials = sorted(value.split(":", 1)[0] for value in settings.get("LoadCredential", []))
    folder = f"/run/credentials/{unit}"
    needed = files(config)
    check(all(os.path.dirname(path) == folder for path in needed),
          f"every file {config_path} reads is in {folder}/ ($CREDENTIALS_DIRECTORY)")
    check(sorted(os.path.basename(path) for path in needed) == credentials,
          f"LoadCredential= names {credentials} ({sources}) are the files {config_path} reads")
    exec_start = shlex.split(settings.get("ExecStart", [""])[-1])
    check(exec_start[1:4] == ["serve", "--config", "/etc/segura-gateway/config.yaml"],
          "ExecStart= serves /etc/segura-gateway/config.yaml")
    state = settings.get("StateDirectory", [""])[-1]
    if postgres(config):
        check_postgres_url(config, config_path)
    else:
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

    needed = files(config)
    check(bool(needed) and all(os.path.dirname(path) == "/run/secrets/segura-gateway" for path in needed),
          f"every file {config_path} reads is in /run/secrets/segura-gateway/")
    exposed = {int(port.split("/")[0]) for line in instruction("EXPOSE") for port in line.split()}
    http_port, ops_port = config["http"]["port"], config["ops"]["port"]
    check({http_port, ops_port} <= exposed, f"EXPOSE has http.port {http_port} and ops.port {ops_port}")
    check(config["ops"].get("host") == "0.0.0.0", "ops.host is 0.0.0.0, so a published ops port answers")
    healthcheck = " ".join(instruction("HEALTHCHECK"))
    check(f"127.0.0.1:{ops_port}/healthz" in healthcheck, f"HEALTHCHECK asks /healthz on ops.port {ops_port}")
    if postgres(config):
        check_postgres_url(config, config_path)
    else:
        volumes = " ".join(instruction("VOLUME"))
        check(f'"{store_folder(config)}"' in volumes, f"VOLUME holds store.path's folder {store_folder(config)}")
    check(instruction("CMD")[-1:] == ['["serve", "--config", "/etc/segura-gateway/config.yaml"]'],
          "CMD serves /etc/segura-gateway/config.yaml")
    check(any(re.fullmatch(r"\d+:\d+", user) and not user.startswith("0:") for user in instruction("USER")),
          "USER is a fixed, non-root UID:GID")


def selects(selector, labels):
    """Whether a label selector (matchLabels, and matchExpressions with In or Exists) selects these labels."""
    if not selector:
        return False
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        if operator == "In" and labels.get(key) not in expression.get("values", []):
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator not in ("In", "Exists"):
            return False
    return True


def environment(rendered_path):
    """The environment variables of the rendered workload's container, with stand-ins for values set at run time."""
    with open(rendered_path, encoding="utf-8") as handle:
        documents = [document for document in yaml.safe_load_all(handle) if document]
    variables = []
    for workload in (d for d in documents if d["kind"] in ("StatefulSet", "Deployment")):
        for variable in workload["spec"]["template"]["spec"]["containers"][0].get("env", []):
            if "value" in variable:
                value = variable["value"]
            elif variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name":
                value = f"{workload['metadata']['name']}-0"
            else:
                value = "check-deploy-stand-in"
            variables.append((variable["name"], value))
    return variables


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
    kind = workload["kind"]
    pod = workload["spec"]["template"]["spec"]
    pod_labels = workload["spec"]["template"]["metadata"].get("labels", {})
    container = pod["containers"][0]
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}

    # The configuration.
    args = container.get("args", [])
    config_file = args[args.index("--config") + 1] if "--config" in args else ""
    config_volume = volumes.get(mounts.get(os.path.dirname(config_file), ""), {})
    config_map = config_maps.get(config_volume.get("configMap", {}).get("name"), {})
    check(config_map.get("data", {}).get(os.path.basename(config_file)) == config_text,
          f"{kind} mounts the ConfigMap holding {config_path} where its args read it ({config_file})")

    # The secrets, and the database's CA.
    needed = files(config)
    folders = {os.path.dirname(path) for path in needed}
    secret_volume = volumes.get(mounts.get(next(iter(folders)), "") if len(folders) == 1 else "", {})
    check(secret_volume.get("secret", {}).get("secretName") == secret["metadata"]["name"],
          f"the Secret {secret['metadata']['name']} is mounted where {config_path}'s files are read ({sorted(folders)})")
    keys = sorted({**secret.get("data", {}), **secret.get("stringData", {})})
    check(keys == sorted(os.path.basename(path) for path in needed),
          f"{secret_path}'s keys {keys} are the files {config_path} reads")

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

    # The pod's limits and privileges, and the stop.
    resources = container.get("resources", {})
    check(all(resource in resources.get(bound, {}) for bound in ("requests", "limits") for resource in ("cpu", "memory")),
          "the container requests and limits CPU and memory")
    deadline = config["segura"].get("deadline_seconds", 30)
    check(pod.get("terminationGracePeriodSeconds", 30) > deadline,
          f"terminationGracePeriodSeconds exceeds segura.deadline_seconds ({deadline})")
    check(pod.get("enableServiceLinks") is False, "enableServiceLinks is false (no Service variables override keys)")
    context = container.get("securityContext", {})
    check(context.get("readOnlyRootFilesystem") is True and context.get("allowPrivilegeEscalation") is False
          and context.get("capabilities", {}).get("drop") == ["ALL"] and context.get("runAsNonRoot") is True,
          "the container runs non-root, read-only, with no capabilities and no privilege escalation")
    seccomp = context.get("seccompProfile", pod.get("securityContext", {}).get("seccompProfile", {}))
    check(seccomp.get("type") == "RuntimeDefault", "the container runs with the RuntimeDefault seccomp profile")

    # The store: one replica on its own volume (SQLite), or replicas sharing a database (PostgreSQL).
    replicas = workload["spec"].get("replicas", 1)
    claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
    claims |= {name for name, volume in volumes.items() if "persistentVolumeClaim" in volume}
    budgets = [d for d in documents if d["kind"] == "PodDisruptionBudget" and selects(d["spec"].get("selector"), pod_labels)]
    if not postgres(config):
        check(kind == "StatefulSet" and replicas == 1, f"SQLite: one replica of a StatefulSet ({kind}, {replicas})")
        check(mounts.get(store_folder(config)) in claims,
              f"SQLite: a volume claim is mounted at store.path's folder {store_folder(config)}")
        check(not budgets, "SQLite: no PodDisruptionBudget (with one replica it would block every node drain)")
        return

    check_postgres_url(config, config_path)
    check(kind == "Deployment" and replicas >= 2, f"PostgreSQL: a Deployment of two or more replicas ({kind}, {replicas})")
    check(not claims, "PostgreSQL: no volume claim (the pods keep nothing; the database holds the state)")
    instance = [variable for variable in container.get("env", []) if variable["name"] == "GRANTS_INSTANCE_ID"]
    check(len(instance) == 1 and instance[0].get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
          "PostgreSQL: GRANTS_INSTANCE_ID (grants.instance_id) is each pod's metadata.name")
    check(any(budget["spec"].get("minAvailable", 0) >= 1 or "maxUnavailable" in budget["spec"] for budget in budgets),
          "PostgreSQL: a PodDisruptionBudget selects the pods and keeps at least one")
    spread = [constraint for constraint in pod.get("topologySpreadConstraints", [])
              if constraint["topologyKey"] == "kubernetes.io/hostname" and selects(constraint.get("labelSelector"), pod_labels)]
    anti = [term for term in pod.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])
            + [weighted["podAffinityTerm"] for weighted in pod.get("affinity", {}).get("podAntiAffinity", {})
               .get("preferredDuringSchedulingIgnoredDuringExecution", [])]
            if term["topologyKey"] == "kubernetes.io/hostname" and selects(term.get("labelSelector"), pod_labels)]
    check(bool(spread or anti), "PostgreSQL: the replicas are spread across nodes (topology spread or anti-affinity)")
    database_port = postgres_url(config).port or 5432
    policies = [d for d in documents if d["kind"] == "NetworkPolicy" and selects(d["spec"].get("podSelector"), pod_labels)]
    check(bool(policies) and all(
        any(any(port.get("port") == database_port and port.get("protocol", "TCP") == "TCP" for port in rule.get("ports", []))
            for rule in policy["spec"].get("egress", []))
        for policy in policies if "Egress" in policy["spec"].get("policyTypes", [])),
        f"PostgreSQL: the NetworkPolicy lets the pods reach the database's port {database_port}")


def main(argv):
    if len(argv) == 2 and argv[0] == "references":
        config = load(argv[1])
        for path in references(config):
            print("secret", path)
        for path in certificates(config):
            print("certificate", path)
        return 0
    if len(argv) == 2 and argv[0] == "environment":
        for name, value in environment(argv[1]):
            print(f"{name}={value}")
        return 0
    if len(argv) == 2 and argv[0] == "store":
        config = load(argv[1])
        print(postgres_url(config).hostname if postgres(config) else config["store"]["path"])
        return 0
    # Each command and its number of arguments: at least, and at most (None: any number more).
    commands = {"systemd": (systemd, 2, None), "container": (container, 2, 2), "kubernetes": (kubernetes, 3, 3)}
    command = commands.get(argv[0]) if argv else None
    if not command or len(argv) - 1 < command[1] or (command[2] is not None and len(argv) - 1 > command[2]):
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[0]][0](*argv[1:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
