"""Deliveries over https to a receiver with a certificate for a name: the connection goes to the address
the name was checked to resolve to, with the name in TLS's SNI and for the certificate check, so pinning the
address costs nothing of TLS's verification."""

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import TestCase
from django.utils import timezone

from tasks_app.events import TASK_CREATED, task_snapshot
from tests.support.factories import TaskFactory
from tests.support.webhook_receiver import WebhookReceiver
from webhooks_app import addresses, services
from webhooks_app.delivery import webhook_deliver
from webhooks_app.models import WebhookDelivery
from workers.events.envelope import build_envelope, parse_envelope, to_millis

pytestmark = pytest.mark.django_db

NAME = "hooks.example.test"


def certificate(directory: Path, name: str) -> tuple[str, str]:
    """A self-signed certificate for `name` (its own CA): (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_receiver(tmp_path):
    tls = certificate(tmp_path, NAME)
    server = WebhookReceiver(tls=tls).start()
    yield server, tls[0]
    server.stop()


def delivered_once(user, url: str) -> tuple[str | None, WebhookDelivery]:
    endpoint = services.endpoint_create(
        user=user, url=url, event_types=[TASK_CREATED], description="", at=timezone.now()
    )
    task = TaskFactory(user=user)
    envelope = parse_envelope(
        build_envelope(
            event_type=TASK_CREATED,
            task_id=task.pk,
            user_id=user.pk,
            payload={"task_id": task.pk, "task": task_snapshot(task)},
            millis=to_millis(timezone.now()),
        )
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.deliveries_create(envelope=envelope, at=timezone.now(), enqueue=lambda *args: None)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    with TestCase.captureOnCommitCallbacks(execute=True):
        outcome = webhook_deliver(delivery_id=delivery.pk, now=timezone.now, enqueue=lambda *args: None)
    delivery.refresh_from_db()
    return outcome, delivery


def test_https_to_the_checked_address_with_the_name_for_sni_and_the_certificate(
    tls_receiver, user, settings, monkeypatch
):
    receiver, ca = tls_receiver
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    settings.WEBHOOKS_CA_BUNDLE = ca
    monkeypatch.setattr(addresses, "system_resolver", lambda host, port: ["127.0.0.1"])

    outcome, delivery = delivered_once(user, receiver.url(host=NAME))

    assert (outcome, delivery.last_status_code) == ("delivered", 200)
    [received] = receiver.all()
    assert received.headers["host"] == f"{NAME}:{receiver.port}"


def test_a_certificate_for_another_name_is_refused_and_retried(
    tls_receiver, user, settings, monkeypatch, tmp_path
):
    receiver, ca = tls_receiver
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOKS_CA_BUNDLE = ca
    monkeypatch.setattr(addresses, "system_resolver", lambda host, port: ["127.0.0.1"])

    outcome, delivery = delivered_once(user, receiver.url(host="other.example.test"))

    assert outcome == "retried"
    assert delivery.last_status_code is None
    assert "SSLError" in delivery.last_error or "certificate" in delivery.last_error.lower()
    assert receiver.all() == []  # the TLS handshake failed: no request reached it
