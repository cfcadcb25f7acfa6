from django.core.management.base import BaseCommand

from config.env import new_pii_key


class Command(BaseCommand):
    help = "Print a new random 256-bit key for GONGHUI_PII_KEYS or GONGHUI_BLIND_INDEX_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--key-id", default="k1")

    def handle(self, *args, **opts):
        self.stdout.write(f"{opts['key_id']}:{new_pii_key()}")
