#!/usr/bin/env python3
"""Seeds for `make fuzz`, written under CORPUS_ROOT (fuzz/corpus, ignored), where
libFuzzer adds what it finds:

- scan/: every fixture text of the guard's case tables and every row of the red-team
  sets, one file per text, its stage as the first byte (as the `scan` target reads it);
- policy/: the embedded default policy and the CLI's test policies, good and bad;
- events/: the sample events of the functions the `events` target runs, each with its
  function as the first byte.

Usage: scripts/fuzz-seeds.py CORPUS_ROOT"""
import glob
import hashlib
import json
import os
import sys
import tomllib

STAGES = {"prompt": 0, "untrusted": 1, "output": 2}


def texts():
    for path in sorted(glob.glob("crates/core/tests/cases/**/*.toml", recursive=True)):
        with open(path, "rb") as f:
            for case in tomllib.load(f).get("case", []):
                if isinstance(case.get("text"), str):
                    yield STAGES.get(case.get("stage", "prompt"), 0), case["text"]
    for path in sorted(glob.glob("eval/redteam/*.jsonl")):
        stage = 1 if "untrusted" in path else 2 if "leaks" in path else 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield stage, json.loads(line)["text"]


def policies():
    paths = ["crates/core/src/policy/default.yaml"]
    paths += sorted(glob.glob("crates/cli/tests/fixtures/**/*.yaml", recursive=True))
    paths += sorted(glob.glob("crates/cli/tests/fixtures/**/*.json", recursive=True))
    for path in paths:
        with open(path, "rb") as f:
            yield f.read()


# The `events` target's first byte, per function.
FUNCTIONS = {"prompt-preprocessor": 0, "output-validator": 1, "get-order-status": 2}


def events():
    for name, index in FUNCTIONS.items():
        for path in sorted(glob.glob(f"events/{name}/*.json")):
            with open(path, "rb") as f:
                yield bytes([index]) + f.read()


def write(out, seeds):
    os.makedirs(out, exist_ok=True)
    n = 0
    for data in seeds:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1
    print(f"fuzz-seeds: {n} seeds in {out}")


def main():
    root = sys.argv[1]
    write(os.path.join(root, "scan"), (bytes([s]) + t.encode("utf-8") for s, t in texts()))
    write(os.path.join(root, "policy"), policies())
    write(os.path.join(root, "events"), events())


if __name__ == "__main__":
    main()
