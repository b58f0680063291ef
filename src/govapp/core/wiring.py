"""How the apps are put together: one declarative table per kind of entry, for every app.

Navigation, home panels, demo loaders, periodic jobs, deadline recomputers and follow-up tasks are
listed here, by dotted path, in one place: a reader finds every entry with grep, nothing is added
at import time, and core imports no domain app (the strings are resolved when used, the way Django
resolves INSTALLED_APPS and MIDDLEWARE). Adding an app's page to the navigation, a job to the
periodic loop or a loader to ``govapp demo`` is one line in a table below.

Follow-ups are how a lower app starts work that belongs to a higher one (a filed app is evaluated by
the compliance engine): the lower app calls :func:`govapp.core.tasks.follow_up` with an event name;
each task listed for the event is enqueued when the transaction commits, so a failure is visible on
the task queue and can be retried, and never undoes the change that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    # dotted path of a predicate user -> bool; "" means every signed-in user
    visible: str = ""


# Sections of the side navigation, keyed by the URL namespace of an entry (in display order).
NAV_SECTIONS: tuple[tuple[str, str | Promise], ...] = (
    ("registry", _("备案管理")),
    ("scans", _("检测与合规")),
    ("compliance", _("检测与合规")),
    ("complaints", _("投诉举报")),
    ("overlap", _("重复应用治理")),
    ("ledger", _("基层减负")),
    ("campaigns", _("监督检查")),
    ("usage", _("使用与退出")),
    ("reports", _("统计分析")),
    ("audit", _("系统")),
    ("core", _("系统")),
    ("orgs", _("系统")),
)

_REGULATOR = "govapp.core.permissions.is_regulator"
_UNIT_STAFF = "govapp.core.permissions.is_unit_staff"

NAV: tuple[NavEntry, ...] = (
    NavEntry("home", _("工作台")),
    NavEntry("registry:apps", _("政务应用")),
    NavEntry("registry:applications", _("备案申请")),
    NavEntry("registry:queue", _("审核队列"), _REGULATOR),
    NavEntry("registry:notifications", _("通知")),
    NavEntry("registry:legacy", _("存量应用"), "govapp.registry.permissions.can_see_legacy"),
    NavEntry("scans:list", _("安装包检测")),
    NavEntry("compliance:dashboard", _("合规检测")),
    NavEntry("compliance:spotchecks", _("抽查检测"), _REGULATOR),
    NavEntry(
        "complaints:manage", _("投诉举报"), "govapp.complaints.selectors.can_handle_complaints"
    ),
    NavEntry("complaints:stats", _("举报统计"), "govapp.complaints.selectors.can_see_stats"),
    NavEntry("complaints:unit", _("投诉入口与说明"), _UNIT_STAFF),
    NavEntry("overlap:index", _("重复应用"), _REGULATOR),
    NavEntry("overlap:check", _("建设前核查"), "govapp.oversight.overlap.selectors.can_use_check"),
    NavEntry("ledger:list", _("填报事项清单")),
    NavEntry("ledger:queue", _("填报事项审查"), "govapp.oversight.ledger.selectors.is_reviewer"),
    NavEntry("ledger:burden", _("基层填报负担")),
    NavEntry("campaigns:list", _("自查自评")),
    NavEntry("usage:index", _("使用情况"), "govapp.oversight.usage.selectors.can_use"),
    NavEntry("usage:lowuse", _("低使用应用"), "govapp.oversight.usage.selectors.can_use"),
    NavEntry("usage:cases", _("退出处置"), "govapp.oversight.usage.selectors.can_use"),
    NavEntry("usage:unfiled", _("未备案在用"), _REGULATOR),
    NavEntry("reports:map", _("地图与趋势")),
    NavEntry("reports:scorecard", _("地区对比"), "govapp.reports.selectors.can_see_scorecard"),
    NavEntry("reports:reports", _("统计报告"), "govapp.reports.selectors.can_read_reports"),
    NavEntry("audit:list", _("审计日志"), "govapp.core.permissions.can_read_audit"),
    NavEntry("core:calendar", _("工作日历"), "govapp.core.permissions.can_edit_calendar"),
    NavEntry("orgs:units", _("单位")),
    NavEntry("orgs:users", _("用户与授权")),
    NavEntry("orgs:tokens", _("API 令牌")),
)

# Home page panels: functions request -> list of {label, count, url, hint, urgent}, in order.
HOME_PANELS: tuple[str, ...] = (
    "govapp.registry.panels.review_panels",
    "govapp.registry.panels.legacy_panels",
    "govapp.compliance.panels.compliance_panels",
    "govapp.complaints.panels.complaint_panels",
    "govapp.oversight.ledger.panels.ledger_panels",
    "govapp.oversight.campaigns.panels.campaign_panels",
    "govapp.oversight.usage.panels.usage_panels",
)

# Sections shown on a registry app's and application's page by higher apps: functions
# (request, *, app, application=None) -> rendered HTML (safe), in order.
APP_SECTIONS: tuple[str, ...] = (
    "govapp.compliance.panels.app_compliance_section",
    "govapp.oversight.overlap.panels.app_overlap_section",
    "govapp.oversight.ledger.panels.app_demands_section",
    "govapp.oversight.campaigns.panels.app_using_units_section",
    "govapp.oversight.usage.panels.app_usage_section",
)

# ``govapp demo``: loaders in dependency order, name -> function () -> summary.
DEMO_LOADERS: tuple[tuple[str, str], ...] = (
    ("divisions", "govapp.orgs.divisions.divisions_load"),
    ("orgs", "govapp.orgs.demo.demo_orgs_load"),
    ("registry", "govapp.registry.demo.demo_registry_load"),
    ("compliance", "govapp.compliance.demo.demo_compliance_load"),
    ("complaints", "govapp.complaints.demo.demo_complaints_load"),
    ("overlap", "govapp.oversight.overlap.demo.demo_overlap_load"),
    ("ledger", "govapp.oversight.ledger.demo.demo_ledger_load"),
    # usage before campaigns: self-inspection answers are checked against low-use flags
    ("usage", "govapp.oversight.usage.demo.demo_usage_load"),
    ("campaigns", "govapp.oversight.campaigns.demo.demo_campaigns_load"),
)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    task: str  # dotted path of a django-tasks task taking no arguments


# ``govapp periodic``: each job's task is enqueued on its interval and runs in a worker.
PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "registry.abandon_lapsed", 3600, "govapp.registry.tasks.abandon_lapsed_applications"
    ),
    PeriodicJob("scans.requeue_stale", 600, "govapp.scans.tasks.requeue_stale_scans_task"),
    PeriodicJob("compliance.tick", 3600, "govapp.compliance.tasks.compliance_tick"),
    # re-check technical testing of open applications whose declared identities or
    # version changed since their last check (findings and identity checks follow)
    PeriodicJob(
        "compliance.testing_refresh", 60, "govapp.compliance.testing.testing_refresh_stale_task"
    ),
    PeriodicJob("complaints.keys_ensure", 3600, "govapp.complaints.tasks.complaint_keys_ensure"),
    PeriodicJob("overlap.cases_tick", 3600, "govapp.oversight.overlap.tasks.overlap_cases_tick"),
    PeriodicJob("campaigns.remind", 3600, "govapp.oversight.campaigns.tasks.campaigns_remind_task"),
    # hourly, closing only the days before today: the first run after midnight Asia/Shanghai
    # closes yesterday (counts written, salt and per-device keys destroyed)
    PeriodicJob("usage.close_day", 3600, "govapp.oversight.usage.tasks.usage_close_past_days"),
    PeriodicJob(
        "usage.evaluate", 6 * 3600, "govapp.oversight.usage.tasks.usage_evaluate_and_escalate"
    ),
    # the audit chain's head, signed, appended outside the database (GOVAPP_AUDIT_ANCHOR_FILE)
    PeriodicJob("audit.anchor", 3600, "govapp.core.tasks.audit_anchor_task"),
    # reports: precomputed dashboard/scorecard figures, scheduled reports, open-data snapshot
    PeriodicJob("reports.refresh_snapshots", 300, "govapp.reports.tasks.refresh_snapshots"),
    PeriodicJob("reports.run_schedules", 3600, "govapp.reports.tasks.run_schedules"),
    PeriodicJob("reports.opendata_snapshot", 3600, "govapp.reports.tasks.write_opendata_snapshot"),
    PeriodicJob("reports.opendata_live", 300, "govapp.reports.tasks.build_opendata_live_files"),
)

# Entering a calendar year recomputes provisional deadlines: functions year -> number changed.
DEADLINE_RECOMPUTERS: tuple[str, ...] = (
    "govapp.registry.services.applications.deadlines_recompute",
    "govapp.complaints.services.deadlines_recompute",
)

# Follow-up tasks by event (see govapp.core.tasks.follow_up); each task takes the event's
# keyword arguments (JSON values only).
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    # registry: an app was filed or re-filed -> evaluate it at once (a revoked penalty case
    # becomes "re-filed" without waiting for the next evaluation). kwargs: app_id
    "app.filed": ("govapp.compliance.tasks.app_evaluate_task",),
    # scans: a package scan finished with facts -> evaluate the app (and the application the
    # package was uploaded for) with them. kwargs: scan_id
    "scan.completed": ("govapp.compliance.tasks.scan_evaluate_task",),
    # registry: the declared platform identities of an app changed -> re-evaluate it, so
    # identity checks, certificate findings and the technical-testing report follow by
    # themselves (issue 15). kwargs: app_id
    "app.identities_changed": ("govapp.compliance.tasks.app_evaluate_task",),
}

# Synchronous checks that a lower app asks of a higher one, by name -> dotted path.
CHECKS: dict[str, str] = {
    # scans: the findings of the rules a package alone decides, put into a fresh ScanResult's
    # ``findings`` before the facts are stored (what ``govapp scan --json`` also reports)
    "scan.package_findings": "govapp.compliance.rules.add_package_findings",
    # scans: a package's stored findings in the reader's words (rule title, severity label)
    "scan.findings_display": "govapp.compliance.selectors.package_findings_display",
    # scans: evaluate an app at once after the scan page adopted the detected identity, so the
    # page that follows shows the updated check (the registry's follow-up also evaluates it)
    "app.evaluate": "govapp.compliance.services.compliance_evaluate",
}
