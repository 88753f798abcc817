"""The project's topics against the real broker: provisioned with partitions and retention, idempotently.

Producing and consuming through the project's clients is tested where the project does it: the relay and
the bridges."""

from confluent_kafka.admin import ConfigResource

from workers.kafka.clients import dlq_topic, make_admin, physical_topic, topic_specs
from workers.kafka.topics import topics_ensure


def test_topics_exist_with_partitions_and_dlq_retention(kafka_topics):
    admin = make_admin()
    metadata = admin.list_topics(timeout=10).topics
    for spec in topic_specs():
        name = physical_topic(spec.name)
        assert name.startswith(kafka_topics)
        assert len(metadata[name].partitions) == 12

    report = topics_ensure(create=False)
    assert report.drift == []
    assert sorted(report.in_sync) == sorted(physical_topic(spec.name) for spec in topic_specs())


def test_dlq_topics_keep_records_30_7_and_14_days(kafka_topics):
    admin = make_admin()
    days = {}
    for source in ("task-events", "reminders", "task-updates"):
        resource = ConfigResource(ConfigResource.Type.TOPIC, physical_topic(dlq_topic(source)))
        config = admin.describe_configs([resource])[resource].result()
        days[source] = int(config["retention.ms"].value) // 86_400_000
    assert days == {"task-events": 30, "reminders": 7, "task-updates": 14}


def test_topics_ensure_is_idempotent(kafka_topics):
    report = topics_ensure()
    assert report.created == []
    assert report.drift == []
