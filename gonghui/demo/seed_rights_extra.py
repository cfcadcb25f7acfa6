"""The demo's 问答库 (a dozen answers across the categories, kept by the hotline operator) and
the documents on some tickets (a pay slip as a small PDF, a photo as a small PNG), each written
through the rights actions like a user would."""

from __future__ import annotations

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.rights import answers, attachments
from gonghui.rights.actions import category_of
from gonghui.rights.models import KnowledgeAnswer

# (category code, question, answer, keywords): the policy as a hotline states it on the call.
ANSWERS = [
    (
        "consult-contract",
        "入职多久必须签劳动合同？",
        "用人单位自用工之日起一个月内应当与劳动者订立书面劳动合同；超过一个月不满一年未订立的，"
        "应当向劳动者每月支付二倍的工资（《劳动合同法》第十条、第八十二条）。",
        "劳动合同 签合同 二倍工资",
    ),
    (
        "consult-contract",
        "试用期最长可以约定多久？",
        "劳动合同期限三个月以上不满一年的，试用期不得超过一个月；一年以上不满三年的，不得超过二个月；"
        "三年以上固定期限和无固定期限的，不得超过六个月。同一单位与同一劳动者只能约定一次试用期"
        "（《劳动合同法》第十九条）。",
        "试用期 期限",
    ),
    (
        "consult-contract",
        "合同到期单位不续签，有没有经济补偿？",
        "劳动合同期满，除用人单位维持或者提高劳动合同约定条件续订而劳动者不同意续订的情形外，"
        "用人单位应当支付经济补偿（《劳动合同法》第四十六条）。",
        "合同到期 不续签 经济补偿",
    ),
    (
        "consult-wages",
        "加班费怎么计算？",
        "工作日延长工作时间的，支付不低于工资的百分之一百五十；休息日安排工作又不能安排补休的，"
        "支付不低于百分之二百；法定休假日安排工作的，支付不低于百分之三百（《劳动法》第四十四条）。",
        "加班费 加班 工资",
    ),
    (
        "consult-wages",
        "单位拖欠工资，可以找哪里？",
        "可以拨打 12351 由工会协调，也可以向当地劳动保障监察机构投诉，或者向劳动人事争议仲裁委员会"
        "申请仲裁；请保留工资条、考勤记录、聊天记录等证据。",
        "拖欠工资 欠薪 投诉 仲裁",
    ),
    (
        "consult-wages",
        "重庆现在的最低工资标准是多少？",
        "最低工资标准以市人力社保部门最新公布的为准，分区县档次执行；可在市人力社保局网站查询，"
        "也可以请热线帮您查询所在区县的档次。",
        "最低工资 标准",
    ),
    (
        "consult-insurance",
        "单位没给我交社保怎么办？",
        "用人单位应当为职工缴纳社会保险费；未缴纳的，可以向社会保险费征收机构或劳动保障监察机构投诉，"
        "要求补缴（《社会保险法》第六十三条）。",
        "社保 社会保险 补缴",
    ),
    (
        "consult-insurance",
        "灵活就业人员怎么参加养老保险？",
        "无雇工的个体工商户、未在用人单位参加社会保险的非全日制从业人员以及其他灵活就业人员，"
        "可以个人身份到社保经办机构参加基本养老保险，由个人缴纳费用（《社会保险法》第十条）。",
        "灵活就业 养老保险 个人参保",
    ),
    (
        "consult-insurance",
        "工伤认定申请的期限是多久？",
        "用人单位应当自事故伤害发生之日起三十日内提出工伤认定申请；用人单位未申请的，职工或者其近亲属、"
        "工会组织可以在一年内直接申请（《工伤保险条例》第十七条）。",
        "工伤 认定 期限",
    ),
    (
        "consult-union",
        "怎么加入工会？",
        "在工会移动端“申请入会”填写信息即可，所在单位有工会的由单位工会办理，没有的由所在地工会"
        "就近吸收入会。",
        "入会 加入工会",
    ),
    (
        "consult-union",
        "工会会费每月交多少？",
        "会员按本人每月工资收入的千分之五交纳会费，具体以所在工会的规定为准。",
        "会费 交纳",
    ),
    (
        "complaint-arrears",
        "讨薪需要准备哪些材料？",
        "劳动合同或能证明劳动关系的材料（工牌、考勤、工资转账记录）、拖欠工资的月份和金额、"
        "与单位沟通的记录；可在提交工单时一并上传。",
        "讨薪 材料 证据",
    ),
]


def seed_answers(operator) -> int:
    """The dozen answers, once (nothing is added when the table holds rows)."""
    if KnowledgeAnswer.objects.exists():
        return 0
    for code, question, answer, keywords in ANSWERS:
        answers.add_answer(
            actor=operator,
            category=category_of(code),
            question=question,
            answer=answer,
            keywords=keywords,
        )
    return len(ANSWERS)


def consultation_answer(code: str):
    """The first answer filed under ``code`` (a consultation subcategory), if any."""
    return answers.consultation_answers().filter(category__code=code).order_by("id").first()


def _pdf(title: str) -> bytes:
    """A one-page PDF whose page shows ``title`` (ASCII)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG (a stand-in photo of a site notice)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([128, 128, 128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def attach_documents(actor, ticket, n: int) -> None:
    """A pay slip on the ticket, and a photo on every other one."""
    slip = SimpleUploadedFile(f"工资条-{ticket.number}.pdf", _pdf(f"Payslip {ticket.number}"))
    attachments.add_attachment(actor=actor, ticket=ticket, upload=slip)
    if n % 2 == 0:
        photo = SimpleUploadedFile("现场照片.png", _png())
        attachments.add_attachment(actor=actor, ticket=ticket, upload=photo)
