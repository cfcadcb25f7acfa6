"""Write static/console/unfold.css: unfold's stylesheet cut to what the console uses
(gonghui/console/stylesheet.py). Run after adding a template that uses new utility classes,
and after upgrading unfold; gonghui/console/tests/test_stylesheet.py says when it is due."""

from django.core.management.base import BaseCommand

from gonghui.console.stylesheet import OUTPUT, SOURCE, build


class Command(BaseCommand):
    help = "Write static/console/unfold.css from unfold's styles.css and the console's sources."

    def handle(self, *args, **options):
        css = build()
        OUTPUT.write_text(css, encoding="utf-8")
        self.stdout.write(
            f"{OUTPUT.name}: {len(css.encode()) // 1024} KB "
            f"(unfold's {SOURCE.name}: {SOURCE.stat().st_size // 1024} KB)"
        )
