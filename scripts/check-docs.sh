#!/usr/bin/env bash
# Checks README.md, docs/*.md, image/README.md and hardware/*.md: every relative link resolves to a file in the
# repository (and its #anchor to a heading there), every table row has its header's column count, and every
# repository path named in backticks (src/…, tests/…, docs/…, …) exists. Needs git and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard >/tmp/kvsedge-check-docs.files.$$
trap 'rm -f /tmp/kvsedge-check-docs.files.$$' EXIT
python3 - /tmp/kvsedge-check-docs.files.$$ README.md docs/*.md image/README.md hardware/*.md <<'PY'
import os, re, sys
files = set(open(sys.argv[1], encoding="utf-8").read().split())
dirs = {os.path.dirname(f) for f in files}
while any(d and os.path.dirname(d) not in dirs for d in dirs):
    dirs |= {os.path.dirname(d) for d in dirs}
def exists(p):
    p = os.path.normpath(p).rstrip("/")
    return p in files or p in dirs
def slug(h):  # GitHub's anchor for a heading
    h = re.sub(r"[`*_]|<[^>]+>", "", h.strip().lower())
    return re.sub(r"[^\w\- ]", "", h).replace(" ", "-")
anchors = {}
def anchors_of(path):
    if path not in anchors:
        text = re.sub(r"```.*?```", "", open(path, encoding="utf-8").read(), flags=re.S)
        anchors[path] = {slug(m) for m in re.findall(r"^#+ (.*)$", text, flags=re.M)}
    return anchors[path]
failures = []
roots = ("src/", "tests/", "scripts/", "docs/", "image/", "hardware/", "packaging/", "systemd/", ".ci/")
for doc in sys.argv[2:]:
    text = open(doc, encoding="utf-8").read()
    prose = re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    for n, line in enumerate(prose.split("\n"), 1):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            path = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
            if not exists(path):
                failures.append(f"{doc}:{n}: link to {target}: no such file in the repository")
            elif anchor and path.endswith(".md") and anchor not in anchors_of(path):
                failures.append(f"{doc}:{n}: link to {target}: no heading with that anchor")
        for code in re.findall(r"`([^`\s]+)`", line):
            if not code.startswith(roots) and code not in ("README.md", "build-arm64.sh"):
                continue
            if any(c in code for c in "<>*…{}$") or code.endswith("…"):
                continue
            if not exists(code.split(":")[0]):
                failures.append(f"{doc}:{n}: `{code}` is not in the repository")
    # tables: every row has the header's number of cells (escaped pipes and pipes inside code do not count)
    width = None
    for n, line in enumerate(prose.split("\n"), 1):
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", re.sub(r"`[^`]*`", "x", line))) - 2
        if width is None:
            width = cells
        elif cells != width:
            failures.append(f"{doc}:{n}: table row has {cells} cells, the header has {width}")
for f in failures:
    print(f, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"ok: links, anchors, tables and paths in {len(sys.argv) - 2} documents")
PY
