"""The project's Kafka helpers against the real broker: topics provisioned, produce and consume."""

import json
import time
import uuid

from confluent_kafka import TopicPartition
from confluent_kafka.admin import ConfigResource

from workers.kafka.clients import (
    TASK_EVENTS,
    dlq_topic,
    make_admin,
    make_consumer,
    make_producer,
    physical_topic,
    topic_specs,
)
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


def test_dlq_retention_matches_the_reference(kafka_topics):
    admin = make_admin()
    days = {}
    for source in ("task-events", "reminders", "task-updates"):
        resource = ConfigResource(ConfigResource.Type.TOPIC, physical_topic(dlq_topic(source)))
        config = admin.describe_configs([resource])[resource].result()
        days[source] = int(config["retention.ms"].value) // 86_400_000
    assert days == {"task-events": 30, "reminders": 7, "task-updates": 14}


def test_produce_then_consume_through_project_helpers(kafka_topics):
    topic = physical_topic(TASK_EVENTS)
    key = f"user-{uuid.uuid4().hex}"
    value = {"hello": "kafka", "key": key}
    delivered = []

    producer = make_producer()
    producer.produce(
        topic,
        key=key,
        value=json.dumps(value).encode(),
        headers={"event_id": b"e-1"},
        on_delivery=lambda error, message: delivered.append((error, message)),
    )
    assert producer.flush(10) == 0
    error, message = delivered[0]
    assert error is None
    partition, offset = message.partition(), message.offset()
    assert partition is not None
    assert offset is not None

    consumer = make_consumer(f"test-{uuid.uuid4().hex}")
    consumer.assign([TopicPartition(topic, partition, offset)])
    try:
        deadline = time.monotonic() + 15
        received = None
        while received is None and time.monotonic() < deadline:
            candidate = consumer.poll(0.5)
            if candidate is not None and not candidate.error():
                received = candidate
    finally:
        consumer.close()

    assert received is not None
    assert received.key() == key.encode()
    assert json.loads(received.value() or b"") == value
    assert received.headers() == [("event_id", b"e-1")]


def test_topics_ensure_is_idempotent(kafka_topics):
    report = topics_ensure()
    assert report.created == []
    assert report.drift == []
