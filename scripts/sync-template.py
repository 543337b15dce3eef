#!/usr/bin/env python3
"""Rewrites the six state machines' `Definition` objects in
deploy/amiboard.template.json from workflows/<slug>.asl.json, so a
definition change reaches the template with one command:

    python3 scripts/sync-template.py           # rewrite
    python3 scripts/sync-template.py --check   # exit 1 if it would change

A state machine is found by its StateMachineName `${Prefix}<slug>`.
`local-setup` is emulator-only and never goes into the template."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "amiboard.template.json"
SLUGS = [
    "build",
    "patch-build",
    "smoke-tests",
    "vulnerability-scans",
    "qa-certification-request",
    "promotion",
]


def main() -> int:
    check = "--check" in sys.argv[1:]
    text = TEMPLATE.read_text()
    template = json.loads(text)
    machines = {}
    for logical, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        name = resource["Properties"].get("StateMachineName", {}).get("Fn::Sub", "")
        machines[name.removeprefix("${Prefix}")] = logical
    missing = [slug for slug in SLUGS if slug not in machines]
    extra = sorted(set(machines) - set(SLUGS))
    if missing or extra:
        print(f"sync-template: state machines missing {missing}, unexpected {extra}", file=sys.stderr)
        return 2
    for slug in SLUGS:
        definition = json.loads((ROOT / "workflows" / f"{slug}.asl.json").read_text())
        template["Resources"][machines[slug]]["Properties"]["Definition"] = definition
    new = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    if new == text:
        print("sync-template: the template's definitions are current")
        return 0
    if check:
        print("sync-template: the template's definitions differ: run scripts/sync-template.py", file=sys.stderr)
        return 1
    TEMPLATE.write_text(new)
    print(f"sync-template: wrote the six definitions into {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
