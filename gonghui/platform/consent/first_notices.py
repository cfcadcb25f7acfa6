# ruff: noqa: E501 -- the notices are prose whose line breaks are their paragraphs
"""Version 1 of the three privacy notices (Chinese, the authoritative text), published by
migration 0002 and again by ``current_notice`` wherever a database holds no version of a notice
at all (a flushed test database, a table emptied by hand): the platform never takes a join or a
hardship application without a notice to consent to. A later change is a new version (a new row,
``manage.py publish_privacy_notice``), never an edit of these texts."""

from __future__ import annotations

PORTAL = """重庆市总工会及您所在的工会（以下简称"我们"）在您使用职工服务（/m/）时处理以下个人信息：
1. 手机号码：用于短信验证码登录和向您发送办理结果；
2. 您的会员信息（姓名、所在工会、会员卡号、入会时间、会员状态）：用于显示电子会员卡、办理会员关系转接；
3. 您提交的入会申请、转会申请和帮扶申请的内容及办理进度：用于办理和向您发送站内信。

我们仅为上述目的处理您的个人信息，不向无关第三方提供。身份证号码、电话号码等加密存储，页面上默认遮蔽显示，工作人员查看完整信息须有权限并留有审计记录。会员信息在会员关系存续期间及结束后依法规定的期限内保存。

您有权查阅、复制、更正、补充您的个人信息，有权撤回同意、注销账号。可在本服务中或拨打职工服务热线 12351 提出，我们在法定期限内答复。

点击"同意并继续"，表示您已阅读并同意本告知。不同意的，您可以退出，不影响通过线下渠道向工会办理业务。"""

JOIN = """您申请加入工会时，重庆市总工会及受理您申请的工会（以下简称"我们"）处理您填写的以下个人信息：姓名、身份证号码、手机号码、工作单位、就业形式，以及您选填的民族、文化程度、是否农民工。

处理目的：审核入会申请、确认"一人一籍"（同一人只有一个有效会籍）、建立会员档案、办理会员卡，并通过短信和站内信告知审核结果。我们不会将您的申请告知您的用人单位。

您的信息加密存储，页面上默认遮蔽显示，仅受理工会和上级工会有权限的工作人员可以查看，查看完整信息留有审计记录。入会申请未获批准的，申请记录在办结后依法规定的期限内保存后删除或匿名化。

您有权查阅、复制、更正、补充您的个人信息，有权撤回同意。可登录职工服务（/m/）或拨打职工服务热线 12351 提出。"""

JOIN_SENSITIVE = """身份证号码属于敏感个人信息。我们仅用于核验您的身份和确认一人一籍，一旦泄露或被非法使用，可能导致您的人格尊严或财产安全受到损害，因此我们对其加密存储、遮蔽显示并记录每一次查看。不提供身份证号码将无法办理入会。我单独同意工会为上述目的处理我的身份证号码。"""

ASSISTANCE = """您申请困难职工帮扶时，受理工会、上级工会和困难职工帮扶中心（以下简称"我们"）处理您填写和上传的以下信息：
1. 您的困难情况说明、健康状况（疾病、残疾及其证明材料）；
2. 家庭成员信息（姓名、身份证号码、关系、健康状况、收入、就业和就学情况）、家庭收入和财产情况；
3. 领取帮扶资金的银行账户。

处理目的：审核帮扶申请、入户核实、向民政部门核对家庭收入（依法提供核对所需信息）、公示和发放帮扶资金、建立困难职工档案。公示时姓名遮蔽显示（如"张*"），只公示所在工会、帮扶类别、金额和公示期，不公示健康和家庭情况。

困难职工档案在结案后保存 10 年，期满后删除或匿名化。您有权查阅、复制、更正、补充您的个人信息，有权撤回同意；撤回后我们将不再处理您新提交的帮扶信息，但不影响撤回前已办理的事项。可在职工服务（/m/）或拨打职工服务热线 12351 提出。"""

ASSISTANCE_SENSITIVE = """健康状况、残疾情况、家庭成员（含不满十四周岁未成年人）的信息、收入和银行账户属于敏感个人信息，一旦泄露可能使您和家人受到歧视或财产损失。我们仅为审核和发放帮扶处理这些信息，加密存储、遮蔽显示，仅有权限的工作人员可以查看并留有审计记录。未满十四周岁家庭成员的信息，由您作为其监护人同意提供。我单独同意为申请帮扶处理上述敏感个人信息。"""

NOTICES = [
    ("portal", "职工服务个人信息处理告知", PORTAL, ""),
    ("join", "入会申请个人信息处理告知", JOIN, JOIN_SENSITIVE),
    ("assistance", "困难帮扶申请个人信息处理告知", ASSISTANCE, ASSISTANCE_SENSITIVE),
]


def ensure_first_notices(PrivacyNotice, purposes=None) -> None:
    """Create version 1 of each notice (of ``purposes``, default all) that has no version yet.
    ``PrivacyNotice`` is the model class (the historical one in a migration)."""
    for purpose, title, body, sensitive in NOTICES:
        if purposes is not None and purpose not in purposes:
            continue
        if PrivacyNotice.objects.filter(purpose=purpose).exists():
            continue
        PrivacyNotice.objects.get_or_create(
            purpose=purpose,
            version=1,
            defaults={"title": title, "body": body, "sensitive": sensitive},
        )
