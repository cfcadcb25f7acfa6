"""Publish a new version of a privacy notice (platform/consent): the text of the version in
force is never edited, and every worker who accepted an older version is asked again.

    manage.py publish_privacy_notice portal --title "职工服务个人信息处理告知" \\
        --body-file notice.txt [--sensitive-file separate.txt] [--keep-sensitive]
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gonghui.platform.audit.services import record_event
from gonghui.platform.consent.models import NoticePurpose, PrivacyNotice
from gonghui.platform.consent.services import current_notice


class Command(BaseCommand):
    help = "Publish a new version of a privacy notice; workers are asked to accept it again."

    def add_arguments(self, parser):
        parser.add_argument("purpose", choices=[p.value for p in NoticePurpose])
        parser.add_argument("--title", help="Default: the title of the version in force.")
        parser.add_argument("--body-file", required=True, type=Path)
        parser.add_argument("--sensitive-file", type=Path, help="The separate-consent text.")
        parser.add_argument(
            "--keep-sensitive",
            action="store_true",
            help="Keep the separate-consent text of the version in force.",
        )

    def handle(self, *args, purpose, title, body_file, sensitive_file, keep_sensitive, **opts):
        body = body_file.read_text(encoding="utf-8").strip()
        if not body:
            raise CommandError("The notice text is empty.")
        with transaction.atomic():
            previous = current_notice(purpose)
            sensitive = ""
            if sensitive_file is not None:
                sensitive = sensitive_file.read_text(encoding="utf-8").strip()
            elif keep_sensitive and previous is not None:
                sensitive = previous.sensitive
            if previous is None and not title:
                raise CommandError("A first version needs --title.")
            last = (
                PrivacyNotice.objects.select_for_update()
                .filter(purpose=purpose)
                .order_by("-version")
                .first()
            )
            notice = PrivacyNotice.objects.create(
                purpose=purpose,
                version=(last.version + 1) if last else 1,
                title=title or previous.title,
                body=body,
                sensitive=sensitive,
            )
            record_event(
                actor=None,
                action="consent.publish_notice",
                obj=notice,
                actor_label="manage.py publish_privacy_notice",
                details={"purpose": purpose, "version": notice.version},
            )
        self.stdout.write(f"Published {purpose} notice version {notice.version}.")
