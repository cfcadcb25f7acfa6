from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "gonghui.assistance"
    label = "assistance"
    verbose_name = _("Hardship assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.assistance import deadlines
        from gonghui.platform.calendar.deadlines import register

        register(deadlines.PUBLICITY)
        from gonghui.assistance import todos

        todos.register()  # the queues on the start page; assistance staff land on them

        # Condolence visits join the import engine (platform/imports/jobs.py imports no app).
        from gonghui.assistance import visits_import
        from gonghui.platform.imports.jobs import Importer, register_importer
        from gonghui.platform.imports.models import ImportKind

        register_importer(
            ImportKind.VISITS,
            Importer(
                permission=visits_import.IMPORT_PERMISSION,
                sheet_name=visits_import.SHEET_NAME,
                run=visits_import.import_visits,
                file_errors=(visits_import.VisitFileError,),
                title=_("Condolence visit import #%(id)s"),
                upload_url="console:assistance_visit_import",
                errors_audit="assistance.download_import_errors",
                columns=visits_import.VISITS,  # an upload is previewed before it is imported
                preview_cleaner=visits_import.preview_cleaner,
            ),
        )

        from gonghui.assistance.workflows_money import register_workflows as register_money

        register_money()  # the declared transitions of aid items, payments and batches
        from gonghui.assistance.workflows_cases import register_workflows as register_cases

        register_cases()  # aid applications, objections, hardship files (workflows_cases.py)

        from gonghui.assistance import inbox

        inbox.register()  # the worker's messages on her hardship application

        from gonghui.assistance import subject

        subject.register()  # her files and applications on 我的数据
