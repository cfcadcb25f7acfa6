from django.urls import path

from gonghui.portal import (
    assistance_views,
    consent_views,
    consult_views,
    legalaid_views,
    mediation_views,
    messages_views,
    mydata_views,
    rights_views,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("card/", views.card, name="card"),
    path("transfer/", views.transfer_request, name="transfer-request"),
    # The worker's own declared transitions (members/workflows.py, portal face).
    path("transfer/<int:pk>/<str:name>/", views.transfer_do, name="transfer-do"),
    path("join-claims/<int:pk>/", views.join_claim, name="join-claim"),
    path("join-claims/<int:pk>/<str:name>/", views.join_claim_do, name="join-claim-do"),
    # Hardship help (困难帮扶): the member's own applications.
    path("assistance/", assistance_views.assistance_home, name="assistance"),
    path("assistance/apply/", assistance_views.assistance_apply, name="assistance-apply"),
    path("assistance/<int:pk>/", assistance_views.assistance_detail, name="assistance-detail"),
    path(
        "assistance/<int:pk>/upload/",
        assistance_views.assistance_upload,
        name="assistance-upload",
    ),
    path(
        "assistance/<int:pk>/withdraw/",
        assistance_views.assistance_withdraw,
        name="assistance-withdraw",
    ),
    path(
        "assistance/document/<uuid:public_id>/",
        assistance_views.assistance_attachment,
        name="assistance-attachment",
    ),
    # 12351 tickets (权益维护): the worker files, follows and rates her own.
    path("rights/", rights_views.rights_home, name="rights"),
    path("rights/new/", rights_views.rights_file, name="rights-file"),
    path("rights/<int:pk>/", rights_views.rights_detail, name="rights-detail"),
    path("rights/<int:pk>/rate/", rights_views.rights_rate, name="rights-rate"),
    # Legal aid (工会法律援助): the worker applies, follows and sends missing documents.
    path("legal-aid/", legalaid_views.legalaid_home, name="legal-aid"),
    path("legal-aid/apply/", legalaid_views.legalaid_apply, name="legal-aid-apply"),
    path("legal-aid/<int:pk>/", legalaid_views.legalaid_detail, name="legal-aid-detail"),
    path(
        "legal-aid/<int:pk>/document/",
        legalaid_views.legalaid_document,
        name="legal-aid-document",
    ),
    path(
        "legal-aid/<int:pk>/resubmit/",
        legalaid_views.legalaid_resubmit,
        name="legal-aid-resubmit",
    ),
    path("mediation/", mediation_views.mediation_home, name="mediation"),
    path("mediation/apply/", mediation_views.mediation_apply, name="mediation-apply"),
    path("mediation/<int:pk>/", mediation_views.mediation_detail, name="mediation-detail"),
    path("rights/<int:pk>/files/", rights_views.rights_upload, name="rights-upload"),
    path(
        "rights/<int:pk>/files/<uuid:public_id>/",
        rights_views.rights_attachment,
        name="rights-attachment",
    ),
    # Legal consultations (法律咨询): she asks, reads the answers, follows up and rates.
    path("consult/", consult_views.consult_home, name="consult"),
    path("consult/ask/", consult_views.consult_ask, name="consult-ask"),
    path("consult/<int:pk>/", consult_views.consult_detail, name="consult-detail"),
    path("consult/<int:pk>/<str:name>/", consult_views.consult_do, name="consult-do"),
    # Privacy notices: the portal's at first login, the separate one before the hardship
    # application (platform/consent).
    path("privacy/decline/", consent_views.decline, name="privacy-decline"),
    path("privacy/<str:purpose>/", consent_views.privacy, name="privacy"),
    path("privacy/<str:purpose>/withdraw/", consent_views.withdraw, name="privacy-withdraw"),
    # Messages about her own records (站内信, platform/inbox).
    path("messages/", messages_views.message_list, name="messages"),
    path("messages/read/", messages_views.mark_all_read, name="messages-read"),
    path("messages/<int:pk>/", messages_views.message_open, name="message-open"),
    # 我的数据: everything held about her, as a page and as JSON, and her correction requests.
    path("my-data/", mydata_views.my_data, name="my_data"),
    path("my-data/download.json", mydata_views.my_data_download, name="my_data_download"),
    path("my-data/correction/", mydata_views.my_data_correction, name="my_data_correction"),
    path("login/", views.login_phone, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
    # Public: scanning a union's QR poster (url_policy "^m/join/").
    path("join/done/", views.join_done, name="join-done"),
    path("join/<str:token>/", views.join, name="join"),
]
