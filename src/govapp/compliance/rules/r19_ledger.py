"""R-19/R-26: an app collects data demands that are not on the burden ledger, or that ask
grassroots units again for data another listed demand already collects."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    ledger = facts.operation.ledger
    if ledger is None:
        return []
    out: list[Evidence] = []
    for d in ledger.unlisted_demands:
        out.append(ev("ledger", f"未列入清单：{d.title}（{'、'.join(d.fields)[:200]}）", d.status))
    for dup in ledger.duplicated_fields:
        out.append(
            ev(
                "ledger",
                f"{dup.ledger_number}「{dup.field}」重复采集{dup.item}",
                f"已由 {dup.source_ledger_number}（{dup.source_department}）「{dup.source_field}」采集",
            )
        )
    return out


RULE = Rule(
    id="R19_LEDGER",
    requirement="R-19",
    severity="medium",
    title_zh="应用承载的填报事项未列入清单或重复采集已有数据",
    title_en="Data demands carried by the app are not on the burden ledger or duplicate listed data",
    explanation_zh="应用要求基层填报的事项未经填报事项清单审查列入，或所要求的字段已由本地区清单中的其他事项采集。《办法》要求不得随意或重复要求基层填表报数，同一数据最多报一次。",
    explanation_en="The app asks grassroots units for demands that were not cleared onto the "
    "burden ledger, or for fields another listed demand of the same area already collects; the "
    "Measures forbid arbitrary or repeated demands (report once).",
    remediation_zh="将事项提交填报事项清单审查；重复字段改为向已采集部门共享获取，不再要求基层填报。",
    remediation_en="Put the demands through the ledger's gateway; obtain duplicated fields from "
    "the department that already collects them instead of asking grassroots units again.",
    check=check,
)
