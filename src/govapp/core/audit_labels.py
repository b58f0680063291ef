"""The audit log in the reader's words: action codes and object types as labels.

Core imports no domain app; the action codes are plain strings here (``<entity>.<verb>``), and
object types are looked up in Django's model registry for their verbose names.  A code that is
not in the table still reads as "<entity label> · <verb>" rather than as a bare code.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

ENTITIES: dict[str, Any] = {
    "app": _("政务应用"),
    "application": _("备案申请"),
    "attachment": _("附件"),
    "bulletin": _("通报"),
    "calendar": _("工作日历"),
    "complaint": _("投诉举报"),
    "complaint_key": _("举报加密密钥"),
    "demo": _("演示数据"),
    "divisions": _("行政区划"),
    "exemption": _("豁免"),
    "explanation": _("情况说明"),
    "finding": _("合规问题"),
    "grant": _("授权"),
    "legacy": _("存量应用"),
    "order": _("整改通知"),
    "package": _("安装包检测"),
    "penalty": _("处罚案件"),
    "spotcheck": _("抽查检测"),
    "token": _("接口令牌"),
    "unit": _("单位"),
    "user": _("用户"),
}

VERBS: dict[str, Any] = {
    "create": _("新建"),
    "update": _("修改"),
    "delete": _("删除"),
    "read": _("查看"),
    "add": _("上传"),
    "save": _("保存草稿"),
    "submit": _("提交"),
    "resubmit": _("补正后重新提交"),
    "return": _("退回补正"),
    "forward": _("转报国家网信办"),
    "province_signoff": _("省级会签同意"),
    "request_feedback": _("要求补正反馈"),
    "answer_feedback": _("提交补正反馈"),
    "extend": _("延长审核期限"),
    "approve": _("准予备案"),
    "testing": _("技术检测结果更新"),
    "testing_override": _("未完成技术检测准予备案（说明理由）"),
    "reject": _("不予备案"),
    "withdraw": _("撤回"),
    "abandon": _("逾期视为放弃"),
    "deadline_recompute": _("重新计算办理期限"),
    "exception_request": _("申请县级以下建设例外"),
    "exception_decide": _("决定县级以下建设例外"),
    "filed": _("备案生效"),
    "deregistered": _("注销备案"),
    "revoked": _("撤销备案"),
    "identities": _("修改平台标识"),
    "shutdown_notice": _("公告关停"),
    "shutdown_order": _("责令关停"),
    "offline_report": _("报告下线"),
    "publish": _("发布"),
    "year_update": _("更新年度节假日安排"),
    "year_delete": _("删除年度节假日安排"),
    "acknowledge": _("受理"),
    "add_information": _("补充材料"),
    "answer": _("答复"),
    "dismiss": _("不予受理"),
    "merge": _("合并"),
    "open_finding": _("转为合规问题"),
    "reply": _("回复"),
    "request_explanation": _("要求说明情况"),
    "respond": _("答复"),
    "app_load": _("载入"),
    "load": _("载入"),
    "decide": _("审批"),
    "expire": _("到期失效"),
    "request": _("申请"),
    "close": _("关闭"),
    "open": _("发现"),
    "revoke": _("撤销"),
    "import": _("导入"),
    "rematch": _("重新匹配"),
    "accept": _("验收通过"),
    "escalate": _("逾期升级"),
    "fail": _("验收不合格"),
    "issue": _("下达"),
    "send_back": _("退回重新整改"),
    "requeue_stale": _("超时重新排队"),
    "rescan": _("重新检测"),
    "rescan_outdated": _("按新版本检测器重新检测"),
    "scan_done": _("检测完成"),
    "scan_failed": _("检测失败"),
    "upload": _("上传"),
    "drop": _("不予处罚"),
    "propose": _("提出处理建议"),
    "restored": _("重新备案后恢复"),
    "draw": _("抽取样本"),
    "record": _("录入检测结果"),
    "activate": _("启用"),
    "lockout": _("登录失败锁定"),
    "login": _("登录"),
    "logout": _("退出登录"),
    "unlock": _("解除锁定"),
    "password_change": _("修改密码"),
    "password_reset": _("重置密码"),
    "totp_enrol": _("启用两步验证"),
    "totp_disable": _("停用两步验证"),
    "totp_reset": _("重置两步验证"),
    "recovery_code_use": _("使用两步验证恢复码"),
}


def action_label(code: str) -> str:
    """ "application.approve" -> "备案申请 · 准予备案" (in the reader's language)."""
    entity, _sep, verb = (code or "").partition(".")
    if not verb:
        return str(VERBS.get(entity, code))
    return f"{ENTITIES.get(entity, entity)} · {VERBS.get(verb, verb)}"


# Object types recorded under the app a model lived in before it moved (the audit chain is never
# rewritten, and new events keep the old type so one object's history stays one thread).
MOVED_MODELS: dict[str, str] = {"compliance.packagescan": "scans.packagescan"}


def object_type_label(object_type: str) -> str:
    """ "registry.application" -> the model's verbose name."""
    try:
        return str(apps.get_model(MOVED_MODELS.get(object_type, object_type))._meta.verbose_name)
    except (LookupError, ValueError):
        return str(ENTITIES.get(object_type.rsplit(".", 1)[-1], object_type))


def field_label(object_type: str, key: str) -> str:
    try:
        model = apps.get_model(MOVED_MODELS.get(object_type, object_type))
        return str(model._meta.get_field(key).verbose_name)
    except Exception:  # not a model field (a computed key in the event): show it as it is
        return key


def action_choices(codes: list[str]) -> list[tuple[str, str]]:
    return sorted(((c, action_label(c)) for c in codes), key=lambda x: x[1])


def object_type_choices(types: list[str]) -> list[tuple[str, str]]:
    return sorted(((t, object_type_label(t)) for t in types), key=lambda x: x[1])
