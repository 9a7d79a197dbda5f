#!/usr/bin/env python3
"""Recall of red-team prompt sets per group of attack families.

The authors of `eval/redteam/*-prompts.jsonl` named their own families (`grade_change`,
`fake_staff_authority`, `payload_splitting`, ...). This script puts each family name into
one of five groups by the regexes below (first match wins) and prints, per group, how
many attacks the guard catches (flag, review or deny) at the prompt stage:

- others_data: another person's records (`other_student_data`, `cross_customer_data`);
- business_abuse: fraud and rule-bending the tools and business rules must refuse (fee
  waivers, refunds, points, grade changes, prescriptions, off-topic use);
- social_engineering: claimed authority, emotional pressure, urgency;
- tool_abuse: hostile tool arguments, questions about the tools' definitions;
- injection: everything else (override, extraction of the prompt or of secrets it
  holds, role-play and persona jailbreaks, fake delimiters, encodings, other
  languages, payload splitting, exfiltration links).

The grouping reads only family names, never texts. Run it on sets that have been read
(eval/redteam/README.md says which): on a clean set even this per-group table tells more
than its totals.

Usage: scripts/redteam-groups.py GATEHOUSE_BINARY SET.jsonl...
"""
import collections
import json
import re
import subprocess
import sys

GROUPS = [
    ("others_data", r"other_|cross_|relative_|tool_abuse_other_account"),
    (
        "business_abuse",
        r"fee|refund|waiver|credit|points|fraud|discount|compensation|charge|grade"
        r"|prescription|diagnosis|appointment|academic|rent_|misuse|off_topic|scope"
        r"|vehicle|account_takeover",
    ),
    (
        "social_engineering",
        r"impersonat|authority|staff|emotional|pressure|social|urgen|sre_oncall"
        r"|pretext|fabricated",
    ),
    ("tool_abuse", r"tool|argument|endpoint"),
    ("injection", r"."),
]


def group(category):
    """The group of a family name: the first whose regex matches it."""
    for name, rx in GROUPS:
        if re.search(rx, category):
            return name
    return "injection"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, files = sys.argv[1], sys.argv[2:]
    attacks = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            attacks += [r for r in map(json.loads, f) if r.get("label") == "attack"]
    lines = "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in attacks)
    out = subprocess.run(
        [binary, "scan", "--stage", "prompt", "--jsonl"],
        input=lines, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    if len(out) != len(attacks):
        sys.exit(f"expected {len(attacks)} verdicts, got {len(out)}")
    total, caught = collections.Counter(), collections.Counter()
    families = collections.defaultdict(set)
    for row, line in zip(attacks, out):
        g = group(row.get("category", ""))
        total[g] += 1
        families[g].add(row.get("category", ""))
        if json.loads(line).get("decision") in ("flag", "review", "deny"):
            caught[g] += 1
    print(f"{'group':20} {'caught':>12} {'recall':>8} {'families':>9}")
    for name, _ in GROUPS:
        n = total[name]
        share = f"{100 * caught[name] / n:.1f} %" if n else "-"
        print(f"{name:20} {caught[name]:5} / {n:4} {share:>8} {len(families[name]):9}")
    n = sum(total.values())
    print(f"{'all':20} {sum(caught.values()):5} / {n:4} {100 * sum(caught.values()) / max(n, 1):6.1f} %")


if __name__ == "__main__":
    main()
