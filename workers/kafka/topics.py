"""Provision the platform's Kafka topics and report drift from their specification."""

import logging
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from django.conf import settings

from workers.kafka.clients import TopicSpec, make_admin, physical_topic, topic_specs

logger = logging.getLogger(__name__)

ADMIN_TIMEOUT_SECONDS = 30.0


@dataclass
class TopicReport:
    created: list[str] = field(default_factory=list)
    in_sync: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)  # human-readable, one line per difference


def _wanted_config(spec: TopicSpec) -> dict[str, str]:
    config = {"min.insync.replicas": str(settings.KAFKA_MIN_INSYNC_REPLICAS)}
    if spec.retention_ms is not None:
        config["retention.ms"] = str(spec.retention_ms)
    return config


def topics_ensure(*, admin: AdminClient | None = None, create: bool = True) -> TopicReport:
    """Create the missing topics (when `create`) and compare the existing ones with their spec."""
    admin = admin or make_admin()
    report = TopicReport()
    existing = admin.list_topics(timeout=ADMIN_TIMEOUT_SECONDS).topics
    specs = {physical_topic(spec.name): spec for spec in topic_specs()}

    missing = [name for name in specs if name not in existing]
    if missing and create:
        futures = admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=settings.KAFKA_PARTITIONS,
                    replication_factor=settings.KAFKA_REPLICATION_FACTOR,
                    config=_wanted_config(specs[name]),
                )
                for name in missing
            ],
            operation_timeout=ADMIN_TIMEOUT_SECONDS,
        )
        for name, future in futures.items():
            try:
                future.result()
            except KafkaException as error:
                # Another process may have created it in the meantime: that is success too.
                if error.args[0].name() != "TOPIC_ALREADY_EXISTS":
                    raise
            report.created.append(name)
    elif missing:
        report.drift += [f"{name}: missing" for name in missing]

    present = [name for name in specs if name in existing]
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in present]
    configs = admin.describe_configs(resources) if resources else {}
    for resource, future in configs.items():
        name = resource.name
        differences = []
        partitions = len(existing[name].partitions)
        if partitions != settings.KAFKA_PARTITIONS:
            differences.append(f"partitions {partitions} != {settings.KAFKA_PARTITIONS}")
        replicas = len(next(iter(existing[name].partitions.values())).replicas)
        if replicas != settings.KAFKA_REPLICATION_FACTOR:
            differences.append(f"replication {replicas} != {settings.KAFKA_REPLICATION_FACTOR}")
        actual = future.result()
        for key, wanted in _wanted_config(specs[name]).items():
            value = actual[key].value if key in actual else None
            if value != wanted:
                differences.append(f"{key} {value} != {wanted}")
        if differences:
            report.drift += [f"{name}: {difference}" for difference in differences]
        else:
            report.in_sync.append(name)
    return report
