"""``manage.py generate_city --members N --seed S``: a realistic fake city for benchmarks."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from gonghui.demo.generate import DEFAULT_AS_OF, GenerateRefused, generate_city


class Command(BaseCommand):
    help = (
        "Generate a realistic, deterministic city (Chongqing's real districts and townships, "
        "grassroots unions, employers, people, memberships, join requests, hardship cases) "
        "in bulk, for benchmarks. Fake people: refused in production and on a database that "
        "already has people (unless --append, which adds people to the existing tree)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True, help="number of people")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=DEFAULT_AS_OF,
            help=f"reference date every date is derived from (default {DEFAULT_AS_OF})",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="add people to the existing tree of a database that already has data",
        )

    def handle(self, *args, **opts):
        try:
            generate_city(
                members=opts["members"],
                seed=opts["seed"],
                as_of=opts["as_of"],
                append=opts["append"],
                out=lambda line: self.stdout.write(line),
            )
        except GenerateRefused as exc:
            raise CommandError(str(exc)) from exc
