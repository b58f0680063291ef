"""Benchmark: evaluate every compliance rule for N apps from their stored facts.

Builds N apps' facts as the JSON the database stores (PackageScan.facts per app plus the
declared sections and operation facts), then times parsing them back into the typed facts
model and running all rules.  Usage: ``.venv/bin/python benchmarks/bench_compliance_rules.py [N]``.

Baseline, in the same run: reading the same stored facts into the typed model without running
any rule (the unavoidable part); the ratio says what the rules themselves add.  Goal (issue 5):
all rules for 10,000 apps in under 10 s.
"""

from __future__ import annotations

import json
import random
import sys
import time

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules import RULES, evaluate
from govapp.scanner.keywords import load_keywords

CAPS = ["location", "background-location", "camera", "microphone", "contacts", "storage"]
SDKS = [("pangle", "advertising"), ("jpush", "push"), ("umeng", "analytics"), ("alipay", "payment")]


def stored_facts(i: int, rng: random.Random, terms: list[tuple[str, str]]) -> str:
    caps = rng.sample(CAPS, rng.randint(0, 4))
    kws = [
        {"term": t, "practice": p, "where": "classes.dex", "context": t}
        for t, p in rng.sample(terms, rng.randint(0, 8))
    ]
    sdks = [
        {"id": s, "name": s, "category": c, "evidence": [{"source": "dex_package", "value": s}]}
        for s, c in rng.sample(SDKS, rng.randint(0, 2))
    ]
    scan = {
        "schema": "govapp.scan/1",
        "file": {"name": f"app{i}.apk", "size": 1000, "sha256": f"{i:064x}"},
        "kind": "apk",
        "identity": {"package": f"cn.gov.app{i}", "version_name": "1.0"},
        "signing": {
            "schemes": ["v2"],
            "certificates": [
                {
                    "scheme": "v2",
                    "sha256": f"{i:064x}",
                    "sha1": "0" * 40,
                    "md5": "0" * 32,
                    "subject": "CN=x",
                }
            ],
        },
        "capabilities": sorted(caps),
        "capability_evidence": [
            {"id": c, "evidence": [{"source": "permission", "value": c}]} for c in caps
        ],
        "sdks": sdks,
        "keywords": kws,
    }
    kinds = ["", "", "", "clock_in", "ranking", "location_track"]
    features = [
        {
            "name": f"功能{j}",
            "description": rng.choice(["公文流转", "投诉建议", "应急巡查定位", "通知公告"]),
            "sensitive_kind": rng.choice(kinds),
            "scenario": rng.choice(["", "security"]),
            "scenario_explanation": rng.choice(["", "重大活动安保期间值守人员到岗确认"]),
        }
        for j in range(rng.randint(1, 6))
    ]
    facts = {
        "app_id": i,
        "app_name": f"应用{i}",
        "kind": "app",
        "status": rng.choice(["filed", "filed", "unfiled"]),
        "filing_number": f"备{i}",
        "unit_level": rng.randint(1, 4),
        "identities": [
            {"platform": "android", "identifier": f"cn.gov.app{i}", "cert_sha256": f"{i:064x}"}
        ],
        "declared": {
            "source": f"application:{i}",
            "features": features,
            "mlps_level": rng.choice(["3", "none", ""]),
            "tech_plan": rng.choice(["云上部署", "支持 IPv6"]),
        },
        "scan": scan,
        "operation": {
            "complaints": {"forced_use": rng.randint(0, 3)},
            "in_use": rng.random() < 0.2,
            "inspection": {"source": "spotcheck:1", "filing_number_displayed": rng.random() < 0.9},
        },
    }
    return json.dumps(facts, ensure_ascii=False)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(20260125)
    terms = [(k.term, k.practice) for k in load_keywords()]
    blobs = [stored_facts(i, rng, terms) for i in range(n)]
    t0 = time.perf_counter()
    for blob in blobs:
        AppFacts.model_validate_json(blob)
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    total = 0
    for blob in blobs:
        facts = AppFacts.model_validate_json(blob)
        total += len(evaluate(facts))
    elapsed = time.perf_counter() - t0
    print(f"baseline (parse stored facts only): {baseline:.2f} s for {n} apps")
    print(
        f"{n} apps x {len(RULES)} rules: {elapsed:.2f} s "
        f"({elapsed / n * 1e6:.0f} us per app), {total} findings; "
        f"{elapsed / baseline:.1f}x the baseline; goal < 10 s"
    )


if __name__ == "__main__":
    main()
