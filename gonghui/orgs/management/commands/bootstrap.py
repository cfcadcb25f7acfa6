import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gonghui.orgs.bootstrap import ensure_officer, ensure_root


class Command(BaseCommand):
    help = (
        "First install or break-glass: create the root org and a system administrator and "
        "a security administrator. Everything else is done by them in the console."
    )

    def add_arguments(self, parser):
        parser.add_argument("--root-name", default="重庆市总工会")
        parser.add_argument("--system-admin", required=True)
        parser.add_argument("--security-admin", required=True)

    def handle(self, *args, **opts):
        if opts["system_admin"] == opts["security_admin"]:
            raise CommandError("三员分立: the system and security administrators must differ")
        root = ensure_root(name=opts["root_name"])
        for name, role in (
            (opts["system_admin"], "system_admin"),
            (opts["security_admin"], "security_admin"),
        ):
            password = getpass.getpass(f"Password for {name} ({role}): ")
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            try:
                ensure_officer(username=name, role=role, password=password)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Root org: {root.name}; officers ready."))
