"""Pluggable SMS delivery. ``settings.SMS_BACKEND`` names the class.

A production gateway (阿里云, 腾讯云, an operator's 短信平台) implements :class:`BaseBackend`
in its own module and is switched on with ``SMS_BACKEND=dotted.path.Class``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from gonghui.platform.pii.masking import mask_phone

logger = logging.getLogger("gonghui.sms")


class BaseBackend:
    def send(self, phone: str, message: str) -> None:
        raise NotImplementedError


class DemoBackend(BaseBackend):
    """Demo mode: logs the message (with the phone masked). The code is also shown on the
    login page, so no gateway is needed to try the platform."""

    def send(self, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), message)


class LogBackend(BaseBackend):
    """Logs that a message was sent, never its content. The default in production until a
    gateway is configured: a code that cannot arrive keeps members out, visibly."""

    def send(self, phone: str, message: str) -> None:
        logger.warning("SMS to %s not delivered: no SMS gateway configured", mask_phone(phone))


class LocmemBackend(BaseBackend):
    """Keeps messages in memory (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        type(self).outbox.append((phone, message))


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, message: str) -> None:
    get_backend().send(phone, message)


class NullBackend(BaseBackend):
    """Sends nothing (loading demo data: no one is waiting for those messages)."""

    def send(self, phone: str, message: str) -> None:
        return None
