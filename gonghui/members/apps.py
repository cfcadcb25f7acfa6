from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self):
        from gonghui.members import deadlines, queries
        from gonghui.platform.calendar.deadlines import register

        queries.register()
        from gonghui.members import todos

        todos.register()  # join applications and transfers on the start page
        register(deadlines.JOIN_REVIEW)

        # The declared transitions of join requests, transfers and memberships (the console,
        # the API and the portal are built from them); "decided" is a state conflict (409).
        from gonghui.members.workflows import register_workflows
        from gonghui.platform.api.errors import conflict_codes

        register_workflows()
        conflict_codes("decided")

        # The roster joins the import engine (platform/imports/jobs.py imports no app), and
        # the roster upload/export pages join the console.
        from gonghui.members import admin_imports, roster  # noqa: F401  (admin_imports registers)
        from gonghui.platform.imports.jobs import Importer, register_importer
        from gonghui.platform.imports.models import ImportKind

        register_importer(
            ImportKind.MEMBERS,
            Importer(
                permission=roster.IMPORT_PERMISSION,
                sheet_name=roster.SHEET_NAME,
                run=roster.import_roster,
                file_errors=(roster.RosterError,),
                title=_("Roster import #%(id)s"),
                upload_url="console:imports_importjob_add",
                errors_audit="members.download_import_errors",
                columns=roster.ROSTER,  # an upload is previewed before it is imported
                preview_cleaner=roster.preview_cleaner,
                preview_choices=roster.CHOICE_CLASSES,
            ),
        )

        from gonghui.members import inbox

        inbox.register()  # the worker's messages on her join application and transfer

        from gonghui.members import subject

        subject.register()  # her person record, memberships, applications on 我的数据
