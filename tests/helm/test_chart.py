"""The Helm chart (helm/todo), offline: it renders with its defaults and with the Minikube and OKE values,
lints clean under --strict for Kubernetes 1.28, every object is valid against Kubernetes 1.28's schemas
(strict: no unknown field), the values schema refuses wrong values, and the rendered objects keep the
chart's rules (a workload per Procfile process, hardening, probes, Dapr, no plaintext secret, pinned images,
scalers and selectors that point at something, the custom resources' required fields). Each rule's helper is
also shown to report a broken object, so a test cannot pass by checking nothing."""

import copy
from typing import Any

import helm_python
import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.helm.chart import (
    NAMESPACE,
    PROFILES,
    RELEASE,
    Obj,
    app_workloads,
    chart,
    component,
    containers,
    dapr_problems,
    deployments_by_component,
    external_secret_problems,
    file_values,
    image_problems,
    is_hook,
    lint,
    name_of,
    of_kind,
    plaintext_secret_problems,
    pod_templates,
    probe_problems,
    procfile,
    profile_values,
    render,
    rendered,
    resource_problems,
    scaler_problems,
    secret_references,
    security_problems,
    selector_problems,
)

profiles = pytest.mark.parametrize("profile", list(PROFILES))


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [obj for obj in objects if obj["kind"] == kind and obj["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
    return found[0]


def env_of(container: Obj) -> dict[str, Any]:
    return {env["name"]: env.get("value", env.get("valueFrom")) for env in container.get("env") or []}


# --- Helm: render, lint, schema -------------------------------------------------------------------------


@profiles
def test_the_chart_lints_clean_under_strict_for_kubernetes_1_28(profile):
    report = lint(profile_values(profile))

    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_lint_reports_a_chart_that_breaks():
    report = lint(profile_values("default", beat={"replicas": 2}))

    assert report["errors"] or any(m["severity"] >= 2 for m in report["messages"])


@profiles
def test_every_rendered_object_is_valid_kubernetes_1_28_or_a_known_custom_resource(profile):
    custom = {
        ("dapr.io/v1alpha1", "Configuration"),
        ("dapr.io/v1alpha1", "Component"),
        ("dapr.io/v1alpha1", "Resiliency"),
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("kafka.strimzi.io/v1beta2", "Kafka"),
        ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
        ("cert-manager.io/v1", "ClusterIssuer"),
        ("external-secrets.io/v1", "SecretStore"),
        ("external-secrets.io/v1", "ExternalSecret"),
    }
    objects = rendered(profile)
    validated = 0
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in custom:
            continue  # no schema in kubernetes-validate: their fields are checked below
        kubernetes_validate.validate(obj, "1.28", strict=True)
        validated += 1

    assert validated >= 40
    assert len({name_of(obj) for obj in objects}) == len(objects), "two objects of one kind share a name"


def test_kubernetes_validate_refuses_an_unknown_field():
    deployment = copy.deepcopy(deployments_by_component(rendered("default"))["web"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.28", strict=True)


@profiles
def test_the_profiles_values_pass_the_schema(profile):
    chart().validate_schema(profile_values(profile))


@pytest.mark.parametrize(
    "override",
    [
        {"beat": {"replicas": 2}},
        {"bridges": {"replicas": 13}},
        {"workers": {"deliveries": {"autoscaling": {"maxReplicas": 13}}}},
        {"dapr": {"secretStore": {"kind": "kubernetes"}}},
        {"secrets": {"source": "vault"}},
        {"secrets": {"source": "ociVault"}},
        {"secrets": {"ociVault": {"vaultOCID": "ocid1.compartment.oc1..aaaa"}}},
        {"secrets": {"ociVault": {"principalType": "ApiKey"}}},
        {"secrets": {"ociVault": {"remoteNames": {"database_url": "db"}}}},
        {"dapr": {"metricsPort": 9120}},
        {"certManager": {"createIssuer": "acme"}},
        {"images": {"backend": {"tag": "latest"}}},
        {"images": {"ui": {"digest": "sha256:abc"}}},
        {"web": {"replicas": "two"}},
        {"secrets": {"keys": ["DATABASE_URL", "NOT_A_SETTING"]}},
        {"config": {"extraEnv": {"EMAIL_HOST_PASSWORD": "hunter2"}}},
        {"config": {"kafka": {"partitions": 6}}},
        {"unknownTopLevel": True},
    ],
    ids=lambda override: str(override),
)
def test_the_schema_refuses_a_wrong_value(override):
    with pytest.raises(helm_python.HelmValuesError):
        chart().validate_schema(profile_values("default", **override))
    with pytest.raises(helm_python.HelmError):
        render(profile_values("default", **override))


def test_the_schema_refuses_oci_vault_without_the_vault_or_the_user_principal_without_its_user():
    oke = {
        "vaultOCID": "ocid1.vault.oc1.eu-frankfurt-1.bbtestvault.abtestvault0001",
        "region": "eu-frankfurt-1",
    }
    with pytest.raises(helm_python.HelmValuesError, match="vaultOCID"):
        chart().validate_schema(profile_values("default", secrets={"source": "ociVault"}))
    with pytest.raises(helm_python.HelmValuesError, match="region"):
        chart().validate_schema(
            profile_values("default", secrets={"source": "ociVault", "ociVault": {**oke, "region": ""}})
        )
    user = {**oke, "principalType": "UserPrincipal"}
    with pytest.raises(helm_python.HelmValuesError, match="userOCID"):
        chart().validate_schema(profile_values("default", secrets={"source": "ociVault", "ociVault": user}))
    chart().validate_schema(profile_values("default", secrets={"source": "ociVault", "ociVault": oke}))
    # An empty vault OCID is fine while the Secret is made by hand.
    chart().validate_schema(profile_values("default", secrets={"source": "existing"}))


def test_values_oke_fails_until_its_placeholder_vault_ocid_is_replaced():
    values = file_values("oke")
    assert values["secrets"]["source"] == "ociVault"

    with pytest.raises(helm_python.HelmValuesError, match="vaultOCID"):
        chart().validate_schema(values)
    with pytest.raises(helm_python.HelmError):
        render(values)


def test_the_schema_requires_its_keys():
    # null removes a default (helm's coalescing): the key is then missing.
    with pytest.raises(helm_python.HelmValuesError, match="missing property 'existingSecret'"):
        chart().validate_schema(profile_values("default", secrets={"existingSecret": None}))


# --- Workloads -------------------------------------------------------------------------------------------


def _chart_command(procfile_command: list[str]) -> list[str]:
    """The Procfile's command as the image runs it: no .venv/bin/, every interface instead of loopback."""
    return [
        word.removeprefix(".venv/bin/").replace("127.0.0.1", "0.0.0.0")  # noqa: S104 - in a pod, on purpose
        for word in procfile_command
    ]


@profiles
def test_every_procfile_process_has_a_deployment_running_its_command(profile):
    deployments = deployments_by_component(rendered(profile))

    for name, command in procfile().items():
        assert name in deployments, f"Procfile process {name} has no Deployment"
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        if name == "ui":
            assert container["command"] == ["node", "server.js"]
            continue
        rendered_command = list(container["command"])
        if name == "live":  # the Procfile's server listens on loopback by default; a pod's on every interface
            index = rendered_command.index("--host")
            assert rendered_command[index + 1] == "0.0.0.0"  # noqa: S104
            del rendered_command[index : index + 2]
        assert rendered_command == _chart_command(command), name
    assert set(deployments) == set(procfile())


@profiles
def test_every_container_has_resources_and_the_security_context(profile):
    objects = rendered(profile)

    assert resource_problems(objects) == []
    assert security_problems(objects) == []
    assert any(is_hook(obj) for obj in objects), "the hook Jobs are checked too"


def test_the_resource_and_security_checks_report_a_broken_container():
    objects = rendered("default")
    job = next(obj for obj in objects if obj["kind"] == "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    del container["resources"]["limits"]
    container["securityContext"]["readOnlyRootFilesystem"] = False

    assert resource_problems(objects) == [
        f"{name_of(job)} {container['name']}: no limits.cpu",
        f"{name_of(job)} {container['name']}: no limits.memory",
    ]
    assert security_problems(objects) == [
        f"{name_of(job)} {container['name']}: readOnlyRootFilesystem is False, not True"
    ]


@profiles
def test_every_long_running_container_has_liveness_and_readiness_probes(profile):
    objects = rendered(profile)
    deployments = deployments_by_component(objects)

    assert probe_problems(objects) == []
    for name in ("relay", "bridge-recurrence", "worker", "beat"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["exec"]["command"] == [
            "python",
            "-m",
            "workers.liveness",
            "--max-age",
            "60",
        ]
        assert container["readinessProbe"]["httpGet"]["path"] == "/metrics"
        assert env_of(container).get("LIVENESS_FILE") is None  # from the ConfigMap
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]  # noqa: S108 - an emptyDir
    web = deployments["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert (web["livenessProbe"]["initialDelaySeconds"], web["livenessProbe"]["periodSeconds"]) == (30, 10)
    assert (web["readinessProbe"]["initialDelaySeconds"], web["readinessProbe"]["periodSeconds"]) == (5, 5)
    ui = deployments["ui"]["spec"]["template"]["spec"]["containers"][0]
    assert ui["readinessProbe"]["httpGet"] == {"path": "/api/auth/ok", "port": "http"}


def test_the_probe_check_reports_a_missing_probe():
    objects = rendered("default")
    relay = deployments_by_component(objects)["relay"]
    del relay["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]

    assert probe_problems(objects) == [f"{name_of(relay)} relay: no livenessProbe"]


@profiles
def test_beat_runs_alone_and_is_recreated(profile):
    beat = deployments_by_component(rendered(profile))["beat"]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert not [
        obj
        for obj in rendered(profile)
        if obj["metadata"]["name"] == beat["metadata"]["name"]
        and obj["kind"] in ("HorizontalPodAutoscaler", "ScaledObject", "PodDisruptionBudget")
    ]


@profiles
def test_the_backend_gets_its_settings_from_the_configmap(profile):
    objects = rendered(profile)
    config = one(objects, "ConfigMap", f"{RELEASE}-config")["data"]

    for key in (
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "KAFKA_BOOTSTRAP_SERVERS",
        "CELERY_BROKER_URL",
        "LIVE_UPDATES_REDIS_URL",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_USE_TLS",
        "JWKS_URL",
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
        "OTEL_TRACES_SAMPLER_ARG",
    ):
        assert key in config, key
    assert config["DJANGO_DEBUG"] == "false"
    values = chart().merge_values(profile_values(profile))
    allowed = config["DJANGO_ALLOWED_HOSTS"].split(",")
    assert {values["hosts"]["api"], "127.0.0.1", f"{RELEASE}-web.{NAMESPACE}.svc"} <= set(allowed)
    assert config["METRICS_ADDRESS"] == "0.0.0.0"  # noqa: S104
    assert config["WORKER_METRICS_DIR"] == "/tmp/metrics"  # noqa: S108
    assert config["LIVENESS_FILE"] == "/tmp/liveness"  # noqa: S108
    assert config["LOG_FORMAT"] == "json"
    for workload, template in app_workloads(objects):
        container = template["spec"]["containers"][0]
        if container["image"].split("/")[-1].startswith("todo-ui"):
            continue
        assert container["envFrom"] == [{"configMapRef": {"name": f"{RELEASE}-config"}}], name_of(workload)


# --- Secrets and Dapr ------------------------------------------------------------------------------------


@profiles
def test_no_secret_value_is_rendered(profile):
    objects = rendered(profile)

    assert plaintext_secret_problems(objects) == []
    assert of_kind(objects, "Secret") == []


def test_the_secret_check_reports_a_literal_secret():
    objects = rendered("default")
    web = deployments_by_component(objects)["web"]
    web["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "DATABASE_URL", "value": "postgres://x"}
    )
    objects.append({"kind": "Secret", "metadata": {"name": "leak"}, "stringData": {"a": "b"}})

    assert plaintext_secret_problems(objects) == [
        "Secret/leak: a Secret with values",
        f"{name_of(web)} web: DATABASE_URL has a literal value",
    ]


@profiles
def test_every_app_pod_has_the_dapr_annotations(profile):
    objects = rendered(profile)
    deployments = deployments_by_component(objects)

    assert dapr_problems(objects) == []
    ports = {
        name: deployment["spec"]["template"]["metadata"]["annotations"].get("dapr.io/app-port")
        for name, deployment in deployments.items()
    }
    assert ports == {
        "web": "8000",
        "live": "8001",
        "flower": "5555",
        "ui": "3000",
        "relay": None,
        "bridge-recurrence": None,
        "bridge-reminders": None,
        "bridge-task-updates": None,
        "bridge-webhooks": None,
        "worker": None,
        "worker-reminders": None,
        "worker-deliveries": None,
        "worker-webhooks": None,
        "beat": None,
    }
    for obj in objects:
        if obj["kind"] == "Job":
            assert "dapr.io/enabled" not in (obj["spec"]["template"]["metadata"].get("annotations") or {})


def test_the_dapr_check_reports_a_pod_without_annotations():
    objects = render(profile_values("default", dapr={"enabled": False}))

    problems = dapr_problems(objects)
    assert len([p for p in problems if p.endswith("no dapr.io/enabled")]) == 14


@profiles
def test_the_backend_loads_its_secrets_through_dapr_and_the_ui_by_secret_key_ref(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    deployments = deployments_by_component(objects)
    store = one(objects, "Component", f"{RELEASE}-secretstore")

    for name, deployment in deployments.items():
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        if name == "ui":
            assert env["UI_AUTH_SECRET"]["secretKeyRef"]["name"] == values["secrets"]["existingSecret"]
            assert env["DATABASE_URL"]["secretKeyRef"] == {
                "name": values["secrets"]["existingSecret"],
                "key": "DATABASE_URL",
            }
            assert env["API_ORIGIN"] == env["LIVE_ORIGIN"] == "http://127.0.0.1:3500"
            assert env["API_DAPR_APP_ID"] == f"{RELEASE}-web"
            assert env["LIVE_DAPR_APP_ID"] == f"{RELEASE}-live"
            continue
        assert env["DAPR_SECRET_STORE"] == store["metadata"]["name"], name
        assert env["DAPR_SECRETS"] == ",".join(values["secrets"]["keys"])
        assert env["DAPR_SECRET_NAME"] == values["secrets"]["existingSecret"]
        assert int(env["DAPR_SECRETS_TIMEOUT"]) == values["secrets"]["timeoutSeconds"]
        assert "DATABASE_URL" not in env  # the loader reads it from the sidecar
    jwks = one(objects, "ConfigMap", f"{RELEASE}-config")["data"]["JWKS_URL"]
    assert jwks == f"http://127.0.0.1:3500/v1.0/invoke/{RELEASE}-ui/method/api/auth/jwks"


def test_without_dapr_the_apps_use_the_services_and_secret_key_refs():
    objects = render(profile_values("default", dapr={"enabled": False}))
    deployments = deployments_by_component(objects)

    ui = env_of(deployments["ui"]["spec"]["template"]["spec"]["containers"][0])
    assert ui["API_ORIGIN"] == f"http://{RELEASE}-web.{NAMESPACE}.svc:8000"
    assert ui["LIVE_ORIGIN"] == f"http://{RELEASE}-live.{NAMESPACE}.svc:8001"
    web = env_of(deployments["web"]["spec"]["template"]["spec"]["containers"][0])
    assert web["DATABASE_URL"] == {"secretKeyRef": {"name": "todo-secrets", "key": "DATABASE_URL"}}
    assert web["DAPR_SECRETS"] == ""
    config = one(objects, "ConfigMap", f"{RELEASE}-config")["data"]
    assert config["JWKS_URL"] == f"http://{RELEASE}-ui.{NAMESPACE}.svc:3000/api/auth/jwks"
    assert not [obj for obj in objects if obj["apiVersion"].startswith("dapr.io/")]


@profiles
def test_the_dapr_resources_have_their_required_fields(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    app_ids = {f"{RELEASE}-{component(d)}" for d in of_kind(objects, "Deployment")}

    configuration = one(objects, "Configuration", f"{RELEASE}-dapr")
    assert configuration["spec"]["mtls"]["enabled"] is True
    assert configuration["spec"]["tracing"]["samplingRate"] == values["dapr"]["tracing"]["samplingRate"]
    assert configuration["spec"]["tracing"]["zipkin"]["endpointAddress"].startswith("http")
    (scope,) = configuration["spec"]["secrets"]["scopes"]
    assert scope["storeName"] == f"{RELEASE}-secretstore"
    assert scope["defaultAccess"] == "deny"
    assert scope["allowedSecrets"] == [values["secrets"]["existingSecret"]]
    for _, template in app_workloads(objects):
        assert template["metadata"]["annotations"]["dapr.io/config"] == configuration["metadata"]["name"]

    store = one(objects, "Component", f"{RELEASE}-secretstore")
    assert store["spec"]["version"] == "v1"
    assert set(store["scopes"]) <= app_ids
    assert f"{RELEASE}-ui" not in store["scopes"]

    resiliency = one(objects, "Resiliency", f"{RELEASE}-resiliency")
    policies = resiliency["spec"]["policies"]
    (breaker,) = policies["circuitBreakers"].values()
    assert breaker == {
        "maxRequests": 3,
        "interval": "60s",
        "timeout": "5s",
        "trip": "consecutiveFailures > 5",
    }
    targets = resiliency["spec"]["targets"]["apps"]
    assert set(targets) == {f"{RELEASE}-web", f"{RELEASE}-live", f"{RELEASE}-ui"}
    assert set(targets) <= app_ids
    for target in targets.values():
        assert target["retry"] in policies["retries"]
        assert target["circuitBreaker"] in policies["circuitBreakers"]
        assert target.get("timeout", "general") in policies["timeouts"]
    assert "timeout" not in targets[f"{RELEASE}-live"]  # Server-Sent Event streams stay open


@profiles
def test_the_dapr_secret_store_is_the_kubernetes_one_on_every_cluster(profile):
    """Dapr has no OCI Vault secret store: on OKE too the sidecars read the one Kubernetes Secret (which ESO
    fills from OCI Vault), in the loader's bundle mode."""
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    store = one(objects, "Component", f"{RELEASE}-secretstore")

    assert [obj["spec"]["type"] for obj in of_kind(objects, "Component")] == ["secretstores.kubernetes"]
    assert store["spec"]["metadata"] == [{"name": "defaultNamespace", "value": NAMESPACE}]
    for name, deployment in deployments_by_component(objects).items():
        if name == "ui":
            continue
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        assert env["DAPR_SECRET_STORE"] == store["metadata"]["name"], name
        assert env["DAPR_SECRET_NAME"] == values["secrets"]["existingSecret"], name


@profiles
def test_the_kubernetes_store_can_read_only_the_one_secret_and_only_the_sidecar_holds_a_token(profile):
    objects = rendered(profile)
    role = one(objects, "Role", f"{RELEASE}-secret-reader")

    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["todo-secrets"], "verbs": ["get"]}
    ]
    for workload, template in app_workloads(objects):
        annotations = template["metadata"]["annotations"]
        assert annotations["dapr.io/volume-mounts"].startswith("kube-api-access:"), name_of(workload)
        for container in containers(template):
            assert all(m["name"] != "kube-api-access" for m in container.get("volumeMounts") or [])


@profiles
def test_eso_copies_every_key_the_pods_read_from_oci_vault_before_the_hooks(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    stores = of_kind(objects, "SecretStore")
    external = of_kind(objects, "ExternalSecret")

    assert external_secret_problems(objects) == []
    if values["secrets"]["source"] != "ociVault":
        assert stores == external == []
        return
    oci = values["secrets"]["ociVault"]
    (store,) = stores
    assert store["spec"]["provider"]["oracle"] == {
        "vault": oci["vaultOCID"],
        "region": oci["region"],
        "principalType": oci["principalType"],
    }
    (copy_,) = external
    spec = copy_["spec"]
    assert spec["secretStoreRef"] == {"kind": "SecretStore", "name": store["metadata"]["name"]}
    assert spec["target"] == {"name": values["secrets"]["existingSecret"], "creationPolicy": "Owner"}
    assert spec["refreshInterval"] == oci["refreshInterval"]
    # Every Secret the pods read (secretKeyRefs, the Dapr bundle) is the one ESO writes, with every key.
    references = secret_references(objects)
    assert set(references) == {spec["target"]["name"]}
    remote = {entry["secretKey"]: entry["remoteRef"]["key"] for entry in spec["data"]}
    assert references[spec["target"]["name"]] <= set(remote)
    assert {"DATABASE_URL", "UI_AUTH_SECRET", "FLOWER_BASIC_AUTH", *values["secrets"]["keys"]} == set(remote)
    assert remote["DATABASE_URL"] == "database-url"
    assert all(name == key.lower().replace("_", "-") for key, name in remote.items())


def test_eso_takes_remote_names_workload_identity_and_a_user_principal_from_the_values():
    user = {
        "tenancyOCID": "ocid1.tenancy.oc1..aaaatenancy",
        "userOCID": "ocid1.user.oc1..aaaauser",
        "credentialsSecret": "oci-api-key",
    }
    objects = render(
        profile_values(
            "oke",
            flower={"enabled": False},
            secrets={
                "ociVault": {
                    "principalType": "UserPrincipal",
                    "userPrincipal": user,
                    "remoteNames": {"DATABASE_URL": "prod-database-url"},
                }
            },
        )
    )

    assert external_secret_problems(objects) == []
    (external,) = of_kind(objects, "ExternalSecret")
    remote = {entry["secretKey"]: entry["remoteRef"]["key"] for entry in external["spec"]["data"]}
    assert remote["DATABASE_URL"] == "prod-database-url"
    assert remote["DJANGO_SECRET_KEY"] == "django-secret-key"
    assert "FLOWER_BASIC_AUTH" not in remote
    (store,) = of_kind(objects, "SecretStore")
    assert store["spec"]["provider"]["oracle"]["auth"] == {
        "tenancy": user["tenancyOCID"],
        "user": user["userOCID"],
        "secretRef": {
            "privatekey": {"name": "oci-api-key", "key": "privateKey"},
            "fingerprint": {"name": "oci-api-key", "key": "fingerprint"},
        },
    }

    workload = render(
        profile_values(
            "oke", secrets={"ociVault": {"principalType": "Workload", "workloadServiceAccount": "todo-eso"}}
        )
    )
    (store,) = of_kind(workload, "SecretStore")
    assert store["spec"]["provider"]["oracle"]["principalType"] == "Workload"
    assert store["spec"]["provider"]["oracle"]["serviceAccountRef"] == {"name": "todo-eso"}
    assert "auth" not in store["spec"]["provider"]["oracle"]


def test_the_external_secret_check_reports_missing_fields_and_a_late_hook():
    objects = rendered("oke")
    store = one(objects, "SecretStore", f"{RELEASE}-oci-vault")
    external = one(objects, "ExternalSecret", f"{RELEASE}-secrets")
    del store["spec"]["provider"]["oracle"]["vault"]
    external["metadata"]["annotations"]["helm.sh/hook-weight"] = "0"
    external["spec"]["secretStoreRef"]["name"] = "gone"
    del external["spec"]["target"]["name"]
    del external["spec"]["data"][0]["remoteRef"]["key"]

    problems = external_secret_problems(objects)
    ref = external["spec"]["secretStoreRef"]
    assert problems == [
        f"{name_of(store)}: spec.provider.oracle.vault None is not a vault OCID",
        f"{name_of(external)}: hook weight 0 does not come before the hook Jobs",
        f"{name_of(external)}: spec.secretStoreRef {ref} is not a rendered SecretStore",
        f"{name_of(external)}: no spec.target.name",
        f"{name_of(external)}: data entry {external['spec']['data'][0]} without secretKey or remoteRef.key",
    ]


# --- Images, scaling, services ---------------------------------------------------------------------------


@profiles
def test_every_image_is_pinned(profile):
    assert image_problems(rendered(profile)) == []


def test_a_digest_wins_over_the_tag_and_the_image_check_reports_latest():
    digest = "sha256:" + "a" * 64
    objects = render(profile_values("default", images={"backend": {"digest": digest}}))
    web = deployments_by_component(objects)["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["image"] == f"ghcr.io/example/todo-backend@{digest}"

    web["image"] = "ghcr.io/example/todo-backend:latest"
    ui = deployments_by_component(objects)["ui"]["spec"]["template"]["spec"]["containers"][0]
    ui["image"] = "ghcr.io/example/todo-ui"
    assert len(image_problems(objects)) == 2


@profiles
def test_every_scaler_targets_a_rendered_workload(profile):
    objects = rendered(profile)

    assert scaler_problems(objects) == []
    for scaler in of_kind(objects, "HorizontalPodAutoscaler"):
        metric = scaler["spec"]["metrics"][0]["resource"]
        assert metric["name"] == "cpu"
        assert metric["target"]["averageUtilization"] == 70


def test_the_scaler_check_reports_a_dangling_target():
    objects = rendered("default")
    hpa = of_kind(objects, "HorizontalPodAutoscaler")[0]
    hpa["spec"]["scaleTargetRef"]["name"] = "todo-gone"

    assert scaler_problems(objects) == [
        f"{name_of(hpa)}: targets {hpa['spec']['scaleTargetRef']} which is not rendered"
    ]


def test_the_reference_autoscaling_web_2_to_10_workers_2_to_12():
    hpas = {component(h): h["spec"] for h in of_kind(rendered("default"), "HorizontalPodAutoscaler")}

    assert {name: (spec["minReplicas"], spec["maxReplicas"]) for name, spec in hpas.items()} == {
        "web": (2, 10),
        "worker": (2, 12),
        "worker-reminders": (2, 12),
        "worker-deliveries": (2, 12),
        "worker-webhooks": (2, 12),
    }


def test_keda_scales_bridges_on_lag_and_workers_on_queue_length_instead_of_hpas():
    objects = rendered("oke")
    scaled = {component(obj): obj["spec"] for obj in of_kind(objects, "ScaledObject")}
    hpas = {component(obj) for obj in of_kind(objects, "HorizontalPodAutoscaler")}

    assert set(scaled) == {
        "bridge-recurrence",
        "bridge-reminders",
        "bridge-task-updates",
        "bridge-webhooks",
        "worker",
        "worker-reminders",
        "worker-deliveries",
        "worker-webhooks",
    }
    assert hpas == {"web"}
    for name, spec in scaled.items():
        assert spec["scaleTargetRef"]["name"] == f"{RELEASE}-{name}"
        assert spec["triggers"], name
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= 12
        for trigger in spec["triggers"]:
            assert trigger["type"] in ("kafka", "redis")
            assert all(isinstance(value, str) for value in trigger["metadata"].values())
    groups = {
        name: spec["triggers"][0]["metadata"] for name, spec in scaled.items() if name.startswith("bridge-")
    }
    assert {name: (m["consumerGroup"], m["topic"]) for name, m in groups.items()} == {
        "bridge-recurrence": ("recurrence", "task-events"),
        "bridge-reminders": ("reminders", "reminders"),
        "bridge-task-updates": ("task-updates", "task-updates"),
        "bridge-webhooks": ("webhooks", "task-updates"),
    }
    assert all(m["bootstrapServers"] and m["lagThreshold"] for m in groups.values())
    lists = {
        name: [t["metadata"]["listName"] for t in spec["triggers"]]
        for name, spec in scaled.items()
        if name.startswith("worker")
    }
    assert lists == {
        "worker": ["recurrence", "maintenance", "sweeps"],
        "worker-reminders": ["reminders", "sweeps"],
        "worker-deliveries": ["reminder-deliveries"],
        "worker-webhooks": ["webhooks", "webhook-deliveries"],
    }
    assert all(
        t["metadata"]["address"] and t["metadata"]["listLength"]
        for s in scaled.values()
        for t in s["triggers"]
        if t["type"] == "redis"
    )
    for name in scaled:
        assert "replicas" not in deployments_by_component(objects)[name]["spec"]


def test_keda_consumer_groups_carry_the_topic_prefix():
    objects = render(profile_values("oke", config={"kafka": {"topicPrefix": "prod."}}))
    bridge = next(obj for obj in of_kind(objects, "ScaledObject") if component(obj) == "bridge-reminders")

    assert bridge["spec"]["triggers"][0]["metadata"]["consumerGroup"] == "prod.reminders"
    assert bridge["spec"]["triggers"][0]["metadata"]["topic"] == "prod.reminders"


@profiles
def test_multi_replica_workloads_have_disruption_budgets_and_web_and_workers_spread(profile):
    objects = rendered(profile)
    budgets = {component(obj) for obj in of_kind(objects, "PodDisruptionBudget")}
    scalers = {
        component(obj): obj["spec"]
        for obj in objects
        if obj["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")
    }

    for name, deployment in deployments_by_component(objects).items():
        spec = scalers.get(name, {})
        least = spec.get("minReplicas", spec.get("minReplicaCount", deployment["spec"].get("replicas", 1)))
        assert (name in budgets) == (least > 1), name
    for name in ("web", "worker", "worker-reminders", "worker-deliveries"):
        template = deployments_by_component(objects)[name]["spec"]["template"]
        (constraint,) = template["spec"]["topologySpreadConstraints"]
        assert constraint["labelSelector"]["matchLabels"].items() <= template["metadata"]["labels"].items()


@profiles
def test_every_service_and_budget_selects_a_pod(profile):
    objects = rendered(profile)

    assert selector_problems(objects) == []
    services = {obj["metadata"]["name"] for obj in of_kind(objects, "Service")}
    assert {f"{RELEASE}-web", f"{RELEASE}-live", f"{RELEASE}-flower", f"{RELEASE}-ui"} <= services
    for obj in of_kind(objects, "Service"):
        if obj["metadata"]["name"].endswith("-metrics"):
            assert obj["metadata"]["annotations"]["prometheus.io/scrape"] == "true"


def test_the_selector_check_reports_a_service_that_selects_nothing():
    objects = rendered("default")
    service = one(objects, "Service", f"{RELEASE}-web")
    service["spec"]["selector"]["app.kubernetes.io/component"] = "gone"

    assert selector_problems(objects) == [f"{name_of(service)}: selects no pod"]


@profiles
def test_the_ingress_routes_ui_and_api_over_tls_from_cert_manager(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    ingress = one(objects, "Ingress", RELEASE)

    issuer = ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    assert issuer == values["ingress"]["tls"]["clusterIssuer"]
    (tls,) = ingress["spec"]["tls"]
    assert tls["secretName"]
    assert {values["hosts"]["ui"], values["hosts"]["api"]} <= set(tls["hosts"])
    routes = {
        (rule["host"], path["path"]): path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    api, ui = values["hosts"]["api"], values["hosts"]["ui"]
    assert routes == {
        (ui, "/"): f"{RELEASE}-ui",
        (api, "/api"): f"{RELEASE}-web",
        (api, "/admin"): f"{RELEASE}-web",
        (api, "/static"): f"{RELEASE}-web",
        (api, "/health"): f"{RELEASE}-web",
    }
    issuers = of_kind(objects, "ClusterIssuer")
    if values["certManager"]["createIssuer"] != "none":
        (created,) = issuers
        assert created["metadata"]["name"] == issuer
        spec = created["spec"]
        assert spec.get("selfSigned") == {} or (
            spec["acme"]["email"]
            and spec["acme"]["server"].startswith("https://")
            and spec["acme"]["privateKeySecretRef"]["name"]
            and spec["acme"]["solvers"]
        )


def test_flower_asks_for_basic_auth_from_the_secret():
    flower = deployments_by_component(rendered("default"))["flower"]["spec"]["template"]["spec"][
        "containers"
    ][0]

    assert env_of(flower)["FLOWER_BASIC_AUTH"] == {
        "secretKeyRef": {"name": "todo-secrets", "key": "FLOWER_BASIC_AUTH"}
    }
    assert flower["livenessProbe"]["httpGet"]["path"] == "/healthcheck"


# --- Hooks, network, Kafka, Redis ------------------------------------------------------------------------


@profiles
def test_the_hooks_migrate_before_install_and_upgrade_and_clean_up(profile):
    values = chart().merge_values(profile_values(profile))
    jobs = {obj["metadata"]["name"]: obj for obj in rendered(profile) if obj["kind"] == "Job"}
    commands = {
        name: job["spec"]["template"]["spec"]["containers"][0]["command"] for name, job in jobs.items()
    }

    expected = {
        f"{RELEASE}-migrate": ["python", "manage.py", "migrate", "--noinput"],
        f"{RELEASE}-migrate-auth": ["node", "migrate-auth.mjs"],
    }
    if not (values["strimzi"]["enabled"] and values["strimzi"]["topics"]):
        expected[f"{RELEASE}-kafka-topics"] = ["python", "manage.py", "kafka_topics"]
    assert commands == expected
    for job in jobs.values():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
        env = env_of(job["spec"]["template"]["spec"]["containers"][0])
        assert env["DATABASE_URL"] == {"secretKeyRef": {"name": "todo-secrets", "key": "DATABASE_URL"}}
        assert (
            "envFrom" not in job["spec"]["template"]["spec"]["containers"][0]
        )  # no ConfigMap before install


@profiles
def test_network_policies_deny_ingress_and_let_in_only_whom_they_name(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    policies = {obj["metadata"]["name"]: obj["spec"] for obj in of_kind(objects, "NetworkPolicy")}

    deny = policies[f"{RELEASE}-default-deny-ingress"]
    assert deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    assert deny["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "todo",
        "app.kubernetes.io/instance": RELEASE,
    }

    def sources(name: str, port: int) -> list[dict]:
        return [
            peer
            for rule in policies[f"{RELEASE}-{name}"]["ingress"]
            if {"port": port, "protocol": "TCP"} in rule["ports"]
            for peer in rule["from"]
        ]

    controller = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ui_labels = {"app.kubernetes.io/name": "todo", "app.kubernetes.io/instance": RELEASE}
    ui_pods = {"podSelector": {"matchLabels": {**ui_labels, "app.kubernetes.io/component": "ui"}}}
    assert sources("ui", 3000) == [controller]
    assert controller in sources("web", 8000)
    assert ui_pods in sources("web", 8000)
    assert sources("live", 8001) == [ui_pods]
    assert len(sources("web", 50002)) == 1  # sidecar to sidecar, from the release's pods
    prometheus = {
        "namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": values["networkPolicy"]["prometheusNamespace"]}
        }
    }
    for name, port in (("relay", 9101), ("worker", 9120), ("beat", 9123), ("web", 9110), ("web", 9111), ("web", 9112)):
        assert sources(name, port) == [prometheus], name
    assert controller not in sources("relay", 9101)


@profiles
def test_strimzi_topics_have_the_reference_partitions_replicas_and_dlq_retention(profile):
    values = chart().merge_values(profile_values(profile))
    objects = rendered(profile)
    topics = {obj["spec"]["topicName"]: obj for obj in of_kind(objects, "KafkaTopic")}

    if not values["strimzi"]["enabled"]:
        assert topics == {}
        assert of_kind(objects, "Kafka") == []
        return
    (kafka,) = of_kind(objects, "Kafka")
    day = 24 * 60 * 60 * 1000
    retention = {"task-events-dlq": 30 * day, "reminders-dlq": 7 * day, "task-updates-dlq": 14 * day}
    assert set(topics) == {"task-events", "reminders", "task-updates", *retention}
    for name, topic in topics.items():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["partitions"] == 12
        assert topic["spec"]["replicas"] == values["config"]["kafka"]["replicationFactor"]
        assert topic["spec"]["config"].get("retention.ms") == (
            str(retention[name]) if name in retention else None
        )
    assert kafka["spec"]["kafka"]["listeners"]
    config = one(objects, "ConfigMap", f"{RELEASE}-config")["data"]
    assert config["KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka['metadata']['name']}-kafka-bootstrap:9092"


def test_the_dlq_retention_matches_the_code():
    from workers.kafka.clients import DLQ_RETENTION_DAYS, dlq_topic

    objects = rendered("minikube")
    retention = {
        obj["spec"]["topicName"]: obj["spec"]["config"].get("retention.ms")
        for obj in of_kind(objects, "KafkaTopic")
    }

    for topic, days in DLQ_RETENTION_DAYS.items():
        assert retention[dlq_topic(topic)] == str(days * 24 * 60 * 60 * 1000)


def test_the_in_chart_redis_keeps_an_append_only_file_on_a_volume():
    objects = rendered("minikube")
    (redis,) = of_kind(objects, "StatefulSet")
    command = redis["spec"]["template"]["spec"]["containers"][0]["command"]

    assert command[command.index("--appendonly") + 1] == "yes"
    (claim,) = redis["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"]
    config = one(objects, "ConfigMap", f"{RELEASE}-config")["data"]
    assert config["CELERY_BROKER_URL"] == f"redis://{RELEASE}-redis:6379/0"
    assert config["LIVE_UPDATES_REDIS_URL"] == f"redis://{RELEASE}-redis:6379/1"


def test_all_workloads_are_rendered_for_the_release():
    objects = rendered("default")

    assert {component(w) for w, _ in pod_templates(objects) if not is_hook(w)} == set(procfile())
