"""站内信: messages to a worker about her own records, read in the portal (/m/messages/).

A message is addressed to a member account, or, while the worker has none yet (she applied
by QR and has not logged in), to the keyed hash of her phone: the account that later logs in
with that phone reads it. The text is kept as its English message id and parameters and
translated when shown, so it reads in the language of the page.

Staff accounts get messages too: the daily digest of what became overdue in their scope
(``gonghui/platform/digest``), read in the console at /console/account/messages/.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    # What it is about: the record (``members.transfer``, 42), the move and the state after it.
    topic = models.CharField(_("about"), max_length=60)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    text = models.CharField(_("text"), max_length=300)  # an English msgid with %(name)s
    params = models.JSONField(default=dict, blank=True)  # never an ID number or a phone
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_user_unread")]

    def __str__(self) -> str:
        return self.rendered

    @property
    def rendered(self) -> str:
        try:
            return gettext(self.text) % self.params
        except (KeyError, TypeError, ValueError):
            return gettext(self.text)

    @property
    def unread(self) -> bool:
        return self.read_at is None
