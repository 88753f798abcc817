"""Rendering the Helm chart (helm/todo) offline with Helm's own engine (helm-python-sdk), and the checks the
tests make over the rendered objects. Each `*_problems` function returns what is wrong (empty: nothing), so
a test can assert both that the chart passes and that a broken object is reported."""

import copy
import json
import re
import shlex
from collections.abc import Iterator
from functools import cache
from typing import Any

import helm_python
import yaml

from tests.support.paths import ROOT

CHART = ROOT / "helm" / "todo"
RELEASE = "todo"
NAMESPACE = "todo"
KUBE_VERSION = "v1.28.0"
PROFILES = {
    "default": None,
    "minikube": CHART / "values-minikube.yaml",
    "oke": CHART / "values-oke.yaml",
}

# What an operator gives on top of a values file. values-oke.yaml's vault OCID is a placeholder the schema
# refuses (an install must not run against a vault that does not exist): these tests give one, as
# `--set secrets.ociVault.vaultOCID=...` does.
SITE_INPUTS: dict[str, dict[str, Any]] = {
    "oke": {
        "secrets": {"ociVault": {"vaultOCID": "ocid1.vault.oc1.eu-frankfurt-1.bbtestvault.abtestvault0001"}}
    },
}
ESO_API = "external-secrets.io/v1"
OCI_PRINCIPALS = {"InstancePrincipal", "Workload", "UserPrincipal"}

Obj = dict[str, Any]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL|PRIVATE_KEY|BASIC_AUTH", re.IGNORECASE)
# The Dapr loader's contract: names of settings and of the store, never a value.
NOT_SECRETS = {"DAPR_SECRET_STORE", "DAPR_SECRETS", "DAPR_SECRET_NAME", "DAPR_SECRETS_TIMEOUT"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}
DAPR_ANNOTATIONS = (
    "dapr.io/enabled",
    "dapr.io/app-id",
    "dapr.io/config",
    "dapr.io/log-level",
    "dapr.io/enable-metrics",
    "dapr.io/metrics-port",
)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def file_values(profile: str) -> dict[str, Any]:
    """A profile's values file as it is in the repository (nothing for the chart's defaults)."""
    path = PROFILES[profile]
    values: dict[str, Any] = yaml.safe_load(path.read_text()) if path else {}
    return values or {}


def profile_values(profile: str, **overrides: Any) -> dict[str, Any]:
    """A profile's values file with the site's inputs (SITE_INPUTS) and these overrides."""
    return deep_merge(deep_merge(file_values(profile), SITE_INPUTS.get(profile, {})), overrides)


@cache
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(CHART)


def render(values: dict[str, Any]) -> list[Obj]:
    """Every object the chart renders with these values (over its defaults), as an install would."""
    manifests = chart().render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for path, text in sorted(manifests.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        for document in yaml.load_all(text, Loader=_LOADER):
            if document:
                objects.append(document)
    return objects


@cache
def _rendered_profile(profile: str) -> str:
    return json.dumps(render(profile_values(profile)))


def rendered(profile: str) -> list[Obj]:
    """A fresh copy of a profile's objects (rendered once per run): tests may change them."""
    objects: list[Obj] = json.loads(_rendered_profile(profile))
    return objects


def lint(values: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = helm_python.lint(CHART, values, strict=True, kube_version=KUBE_VERSION)
    return report


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip() and not line.lstrip().startswith("#"):
            entries[name.strip()] = shlex.split(command)
    return entries


# --- Looking into the objects ---------------------------------------------------------------------------


def name_of(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def is_hook(obj: Obj) -> bool:
    return "helm.sh/hook" in (obj["metadata"].get("annotations") or {})


def pod_templates(objects: list[Obj]) -> Iterator[tuple[Obj, Obj]]:
    """(workload, pod template) for every Deployment, StatefulSet and Job."""
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS:
            yield obj, obj["spec"]["template"]


def containers(template: Obj) -> list[Obj]:
    spec = template["spec"]
    return list(spec.get("initContainers") or []) + list(spec["containers"])


def component(obj: Obj) -> str:
    return str(obj["metadata"].get("labels", {}).get("app.kubernetes.io/component", ""))


def deployments_by_component(objects: list[Obj]) -> dict[str, Obj]:
    return {component(obj): obj for obj in of_kind(objects, "Deployment")}


def app_workloads(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    """The platform's own long-running pods (not the hooks, not Redis or Kafka)."""
    return [
        (workload, template)
        for workload, template in pod_templates(objects)
        if workload["kind"] == "Deployment" and not is_hook(workload)
    ]


# --- Checks -----------------------------------------------------------------------------------------------


def resource_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for workload, template in pod_templates(objects):
        for container in containers(template):
            resources = container.get("resources") or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if not (resources.get(part) or {}).get(resource):
                        problems.append(f"{name_of(workload)} {container['name']}: no {part}.{resource}")
    return problems


def security_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for workload, template in pod_templates(objects):
        spec = template["spec"]
        where = name_of(workload)
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: the service account token is mounted")
        pod = spec.get("securityContext") or {}
        for container in containers(template):
            context = {**pod, **(container.get("securityContext") or {})}
            wanted = {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
            }
            for key, value in wanted.items():
                if context.get(key) != value:
                    problems.append(
                        f"{where} {container['name']}: {key} is {context.get(key)!r}, not {value!r}"
                    )
            if (context.get("capabilities") or {}).get("drop") != ["ALL"]:
                problems.append(f"{where} {container['name']}: capabilities are not dropped (ALL)")
            if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                problems.append(f"{where} {container['name']}: no RuntimeDefault seccomp profile")
    return problems


def probe_problems(objects: list[Obj]) -> list[str]:
    """Every long-running container has a liveness and a readiness probe, each with a handler."""
    problems = []
    for workload, template in pod_templates(objects):
        if workload["kind"] == "Job":
            continue
        for container in template["spec"]["containers"]:
            for probe in ("livenessProbe", "readinessProbe"):
                handler = container.get(probe) or {}
                if not any(handler.get(kind) for kind in ("httpGet", "exec", "tcpSocket", "grpc")):
                    problems.append(f"{name_of(workload)} {container['name']}: no {probe}")
    return problems


def dapr_problems(objects: list[Obj]) -> list[str]:
    """Every app pod has the Dapr annotations, an app port where it serves HTTP, and sidecar metrics on a
    port no container of the pod uses."""
    problems = []
    for workload, template in app_workloads(objects):
        annotations = template["metadata"].get("annotations") or {}
        where = name_of(workload)
        for key in DAPR_ANNOTATIONS:
            if not annotations.get(key):
                problems.append(f"{where}: no {key}")
        if annotations.get("dapr.io/enabled") != "true":
            problems.append(f'{where}: dapr.io/enabled is not "true"')
        if annotations.get("dapr.io/app-id") != f"{RELEASE}-{component(workload)}":
            problems.append(f"{where}: app id {annotations.get('dapr.io/app-id')!r}")
        ports = {
            port["name"]: port["containerPort"]
            for container in template["spec"]["containers"]
            for port in container.get("ports") or []
        }
        if "http" in ports and annotations.get("dapr.io/app-port") != str(ports["http"]):
            problems.append(f"{where}: dapr.io/app-port is not the HTTP port {ports['http']}")
        if str(annotations.get("dapr.io/metrics-port")) in {str(port) for port in ports.values()}:
            problems.append(f"{where}: the sidecar's metrics port clashes with the app's")
    return problems


def plaintext_secret_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in objects:
        if obj["kind"] == "Secret" and (obj.get("data") or obj.get("stringData")):
            problems.append(f"{name_of(obj)}: a Secret with values")
        if obj["kind"] == "ConfigMap":
            for key in obj.get("data") or {}:
                if SECRET_NAME.search(key):
                    problems.append(f"{name_of(obj)}: {key} in a ConfigMap")
    for workload, template in pod_templates(objects):
        for container in containers(template):
            for env in container.get("env") or []:
                looks_secret = SECRET_NAME.search(env["name"]) and env["name"] not in NOT_SECRETS
                if looks_secret and env.get("value"):
                    problems.append(
                        f"{name_of(workload)} {container['name']}: {env['name']} has a literal value"
                    )
    return problems


def image_problems(objects: list[Obj]) -> list[str]:
    problems = []
    for workload, template in pod_templates(objects):
        for container in containers(template):
            image = container["image"]
            reference = image.rsplit("/", 1)[-1]
            if "@sha256:" in image:
                if not re.fullmatch(r".+@sha256:[0-9a-f]{64}", image):
                    problems.append(f"{name_of(workload)}: malformed digest {image}")
            elif ":" not in reference:
                problems.append(f"{name_of(workload)}: untagged image {image}")
            elif reference.endswith(":latest"):
                problems.append(f"{name_of(workload)}: {image} uses latest")
    return problems


def scaler_problems(objects: list[Obj]) -> list[str]:
    """Every HPA and ScaledObject scales a Deployment the chart renders, and no Deployment has both."""
    problems = []
    deployments = {obj["metadata"]["name"] for obj in of_kind(objects, "Deployment")}
    targets: dict[str, str] = {}
    for obj in objects:
        if obj["kind"] not in ("HorizontalPodAutoscaler", "ScaledObject"):
            continue
        ref = obj["spec"].get("scaleTargetRef") or {}
        if ref.get("kind", "Deployment") != "Deployment" or ref.get("name") not in deployments:
            problems.append(f"{name_of(obj)}: targets {ref} which is not rendered")
        if ref.get("name") in targets:
            problems.append(f"{name_of(obj)}: {ref.get('name')} is already scaled by {targets[ref['name']]}")
        targets[str(ref.get("name"))] = name_of(obj)
    return problems


def selector_problems(objects: list[Obj]) -> list[str]:
    """Every Service and PodDisruptionBudget selects some pod template's labels."""
    problems = []
    label_sets = [template["metadata"].get("labels") or {} for _, template in pod_templates(objects)]

    def matches(selector: dict[str, str]) -> bool:
        return bool(selector) and any(selector.items() <= labels.items() for labels in label_sets)

    for obj in of_kind(objects, "Service"):
        if not matches(obj["spec"].get("selector") or {}):
            problems.append(f"{name_of(obj)}: selects no pod")
    for obj in of_kind(objects, "PodDisruptionBudget"):
        if not matches(obj["spec"]["selector"].get("matchLabels") or {}):
            problems.append(f"{name_of(obj)}: selects no pod")
    return problems


def secret_references(objects: list[Obj]) -> dict[str, set[str]]:
    """{Secret name: keys} the rendered pods read: every secretKeyRef, and the Dapr loader's bundle
    (DAPR_SECRET_NAME names the Secret, DAPR_SECRETS its keys)."""
    references: dict[str, set[str]] = {}
    for _, template in pod_templates(objects):
        for container in containers(template):
            env = {item["name"]: item for item in container.get("env") or []}
            for item in env.values():
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    references.setdefault(ref["name"], set()).add(ref["key"])
            bundle = (env.get("DAPR_SECRET_NAME") or {}).get("value")
            settings = (env.get("DAPR_SECRETS") or {}).get("value") or ""
            if bundle:
                references.setdefault(bundle, set()).update(
                    k.strip() for k in settings.split(",") if k.strip()
                )
    return references


def _hook_weight(obj: Obj) -> int:
    return int((obj["metadata"].get("annotations") or {}).get("helm.sh/hook-weight", "0"))


def external_secret_problems(objects: list[Obj]) -> list[str]:
    """The External Secrets Operator's objects (custom resources: kubernetes-validate has no schema for them)
    have their required fields, the ExternalSecrets name a rendered SecretStore, and both are pre-install and
    pre-upgrade hooks that run before every hook Job (whose pods read the Secret they write)."""
    problems = []
    stores = {obj["metadata"]["name"] for obj in of_kind(objects, "SecretStore")}
    job_weights = [_hook_weight(obj) for obj in objects if obj["kind"] == "Job" and is_hook(obj)]
    for obj in objects:
        if obj["kind"] not in ("SecretStore", "ExternalSecret"):
            continue
        where = name_of(obj)
        spec = obj.get("spec") or {}
        if obj.get("apiVersion") != ESO_API:
            problems.append(f"{where}: apiVersion {obj.get('apiVersion')!r}, not {ESO_API}")
        annotations = obj["metadata"].get("annotations") or {}
        if set(annotations.get("helm.sh/hook", "").split(",")) != {"pre-install", "pre-upgrade"}:
            problems.append(f"{where}: not a pre-install,pre-upgrade hook")
        if "before-hook-creation" not in annotations.get("helm.sh/hook-delete-policy", ""):
            problems.append(f"{where}: no before-hook-creation delete policy")
        if job_weights and _hook_weight(obj) >= min(job_weights):
            problems.append(f"{where}: hook weight {_hook_weight(obj)} does not come before the hook Jobs")
        if obj["kind"] == "SecretStore":
            oracle = (spec.get("provider") or {}).get("oracle") or {}
            if not re.fullmatch(
                r"ocid1\.vault\.oc[0-9]+\.[a-z0-9-]*(\.[a-z0-9]+)+", str(oracle.get("vault"))
            ):
                problems.append(
                    f"{where}: spec.provider.oracle.vault {oracle.get('vault')!r} is not a vault OCID"
                )
            if not oracle.get("region"):
                problems.append(f"{where}: no spec.provider.oracle.region")
            if oracle.get("principalType") not in OCI_PRINCIPALS:
                problems.append(f"{where}: principalType {oracle.get('principalType')!r}")
            if oracle.get("principalType") == "UserPrincipal":
                auth = oracle.get("auth") or {}
                refs = auth.get("secretRef") or {}
                if not (auth.get("tenancy") and auth.get("user")):
                    problems.append(f"{where}: UserPrincipal without auth.tenancy and auth.user")
                for part in ("privatekey", "fingerprint"):
                    if not ((refs.get(part) or {}).get("name") and (refs.get(part) or {}).get("key")):
                        problems.append(f"{where}: UserPrincipal without auth.secretRef.{part}")
            continue
        store = (spec.get("secretStoreRef") or {}).get("name")
        if (
            store not in stores
            or (spec.get("secretStoreRef") or {}).get("kind", "SecretStore") != "SecretStore"
        ):
            problems.append(
                f"{where}: spec.secretStoreRef {spec.get('secretStoreRef')} is not a rendered SecretStore"
            )
        if not (spec.get("target") or {}).get("name"):
            problems.append(f"{where}: no spec.target.name")
        if not spec.get("data"):
            problems.append(f"{where}: no data")
        keys = []
        for entry in spec.get("data") or []:
            keys.append(entry.get("secretKey"))
            if not entry.get("secretKey") or not (entry.get("remoteRef") or {}).get("key"):
                problems.append(f"{where}: data entry {entry} without secretKey or remoteRef.key")
        if len(keys) != len(set(keys)):
            problems.append(f"{where}: a secretKey is listed twice")
    return problems
