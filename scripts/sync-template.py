#!/usr/bin/env python3
"""Writes each state machine's `DefinitionString` in
deploy/amiboard.template.json from workflows/<slug>.asl.json, so a
definition change reaches the template with one command:

    python3 scripts/sync-template.py           # rewrite
    python3 scripts/sync-template.py --check   # exit 1 if it would change

Every workflows/*.asl.json except the emulator-only ones (EMULATOR_ONLY) is a
state machine of the template, found by its StateMachineName
`${Prefix}<slug>`: a new workflow file needs only its resource in the
template (the message says which). A workflow file without a machine, or a
machine without a file, is an error (exit 2).

The definition goes in as one JSON string (`DefinitionString`), never as the
`Definition` object: CloudFormation refuses JSON nulls in a template ("'null'
values are not allowed in templates"), and the definitions use
`"ResultPath": null`. A string is taken as written; the definitions contain
no `${`, so CloudFormation substitutes nothing in them (checked here)."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "amiboard.template.json"
WORKFLOWS = ROOT / "workflows"
# Workflows the emulator runs but the template never deploys.
EMULATOR_ONLY = {"local-setup"}


def slugs() -> list:
    """The deployed workflows: every workflows/*.asl.json but EMULATOR_ONLY."""
    found = (p.name.removesuffix(".asl.json") for p in WORKFLOWS.glob("*.asl.json"))
    return sorted(s for s in found if s not in EMULATOR_ONLY)


def logical_id(slug: str) -> str:
    """`cleanup` -> `CleanupStateMachine`, `patch-build` -> `PatchBuildStateMachine`."""
    return "".join(part.capitalize() for part in slug.split("-")) + "StateMachine"


def definition_string(slug: str) -> str:
    """The workflow's ASL as compact JSON text, checked to hold no `${`."""
    definition = json.loads((WORKFLOWS / f"{slug}.asl.json").read_text())
    text = json.dumps(definition, ensure_ascii=False, separators=(",", ":"))
    if "${" in text:
        raise ValueError(f"workflows/{slug}.asl.json contains '${{': CloudFormation would substitute it")
    return text


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
    wanted = slugs()
    missing = [slug for slug in wanted if slug not in machines]
    extra = sorted(set(machines) - set(wanted))
    if missing or extra:
        for slug in missing:
            print(
                f"sync-template: workflows/{slug}.asl.json has no state machine: add the resource "
                f"{logical_id(slug)} (Type AWS::StepFunctions::StateMachine, StateMachineName "
                f'{{"Fn::Sub": "${{Prefix}}{slug}"}}, RoleArn the WorkflowsRole, as the others) '
                "to deploy/amiboard.template.json and run this again",
                file=sys.stderr,
            )
        for slug in extra:
            print(f"sync-template: state machine ${{Prefix}}{slug} has no workflows/{slug}.asl.json", file=sys.stderr)
        return 2
    try:
        for slug in wanted:
            properties = template["Resources"][machines[slug]]["Properties"]
            properties.pop("Definition", None)
            properties["DefinitionString"] = definition_string(slug)
    except ValueError as err:
        print(f"sync-template: {err}", file=sys.stderr)
        return 2
    new = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    if new == text:
        print("sync-template: the template's definitions are current")
        return 0
    if check:
        print("sync-template: the template's definitions differ: run scripts/sync-template.py", file=sys.stderr)
        return 1
    TEMPLATE.write_text(new)
    print(f"sync-template: wrote {len(wanted)} definitions into {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
