from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    # The app's name in breadcrumbs and headings: 工会组织, so that it does not read
    # "组织 › 组织" above the list of organisations (the model's plural).
    verbose_name = pgettext_lazy("app", "Organisations")

    def ready(self):
        from gonghui.console.dashboard import register_start_page_section
        from gonghui.orgs import queries
        from gonghui.orgs.actions import org_status
        from gonghui.orgs.building import duty_list_states, founding_states
        from gonghui.orgs.models import DutyList, FoundingApplication, Org
        from gonghui.platform.api.errors import conflict_codes
        from gonghui.platform.workflow.transitions import register

        register_start_page_section(queries.start_page_figures)
        from gonghui.orgs import todos

        todos.register()  # terms due for election, letters not signed: the start page
        # The declared transitions of the org's status, the founding application and the
        # duty list: the console's buttons and the API's endpoints are built from them.
        register(Org, org_status)
        register(FoundingApplication, founding_states)
        register(DutyList, duty_list_states)
        # An org that still holds subordinates, members or open cases cannot close: a conflict
        # with its present state (409), like a refused check.
        conflict_codes("has_children", "has_members", "has_join_requests", "has_transfers")
