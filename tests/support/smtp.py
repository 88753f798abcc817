"""A real SMTP server in the test process (aiosmtpd), recording what it receives and when."""

import asyncio
import email
import logging
import threading
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


@dataclass(frozen=True)
class ReceivedEmail:
    at: float  # time.time() when the server accepted the message
    sender: str
    recipients: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode()
        raise AssertionError(f"no {content_type} part")


class SmtpSink:
    """Accepts every message, except that it answers `451` to the next `refuse` DATA commands; each DATA
    takes `delay` seconds (a slow server). `data_started` counts the DATA commands begun."""

    def __init__(self, maildir: Path | None = None) -> None:
        self.port = free_port()
        self.maildir = maildir  # also write each accepted message there (NNNNNN.eml), for other processes
        self.received: list[ReceivedEmail] = []
        self.refused = 0
        self.refuse = 0
        self.delay = 0.0
        self.data_started = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        with self._lock:
            self.data_started += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            if self.maildir is not None:
                (self.maildir / f"{len(self.received):06d}.eml").write_bytes(envelope.content)
            self.received.append(
                ReceivedEmail(
                    at=time.time(),
                    sender=envelope.mail_from,
                    recipients=list(envelope.rcpt_tos),
                    message=email.message_from_bytes(envelope.content),
                )
            )
        return "250 OK"

    def to(self, address: str) -> list[ReceivedEmail]:
        with self._lock:
            return [received for received in self.received if address in received.recipients]

    def start(self) -> "SmtpSink":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
