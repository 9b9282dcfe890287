#!/usr/bin/env bash
# Mutation testing of the core (issue 21) with mutmut 3; results in tests/README.md.
#   ./scripts/mutation.sh                                every target module, every mutant
#   ./scripts/mutation.sh hashing/core analysis/impact   those modules (paths under provenance/)
#   MUTATION_SAMPLE=20 ./scripts/mutation.sh ...         a seeded sample of 20 mutants per
#                                                        module (MUTATION_SEED=21, see below)
# Targets and the fast tests they run are set in pyproject.toml [tool.mutmut]: no Neo4j,
# browser, slow or CLI tests (hashing/frameworks: tests/test_mutants_frameworks*.py, which need
# the torch, hf and keras extras). mutmut works in a copy, mutants/ (git-ignored), recreated
# here so that the run sees the current sources. MUTATION_KEEP=1 keeps it and resumes: only the
# targets without a result yet are run (mutmut re-runs every mutant it is named), so a long
# run stopped part way goes on where it stopped; keep sources and tests unchanged in between.
# One worker (MUTATION_JOBS=N for more), niced. Ends with killed/total per module.
# (provenance/hashing/__init__.py has no function mutmut mutates: not listed.)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
MUTMUT=.venv/bin/mutmut
JOBS="${MUTATION_JOBS:-1}"
ALL=(hashing/core hashing/files hashing/frames hashing/arrays
     hashing/directories hashing/columns hashing/dispatch hashing/fingerprints hashing/weights
     hashing/frameworks hashing/cache hashing/progress store/chain openlineage/mapping
     analysis/impact analysis/contamination)
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=("${ALL[@]}")
mods=()
for m in "${MODULES[@]}"; do
  m="${m%.py}"; m="${m#provenance/}"
  mods+=("provenance.${m//\//.}")
done

[ -n "${MUTATION_KEEP:-}" ] || rm -rf mutants

if [ -n "${MUTATION_SAMPLE:-}" ]; then
  # Generate the mutants only (what `mutmut run` does first), then draw the sample from the
  # mutant names in mutants/**/*.meta.
  nice -n 10 "$PY" - <<'PY' >/dev/null
from mutmut.__main__ import create_mutants
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

set_mutant_under_test("mutant_generation")
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
create_mutants(1)
PY
  # The sample: the mutants of each module ordered by sha256("SEED:NAME"), the first N (a
  # uniform sample; a larger N extends a smaller one).
  mapfile -t targets < <("$PY" - "$MUTATION_SAMPLE" "${MUTATION_SEED:-21}" "${mods[@]}" <<'PY'
import hashlib, json, pathlib, sys

size, seed, mods = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
for mod in mods:
    meta = pathlib.Path("mutants", *mod.split(".")).with_suffix(".py.meta")
    names = json.loads(meta.read_text())["exit_code_by_key"]
    key = lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()
    print("\n".join(sorted(sorted(names, key=key)[:size])))
PY
  )
else
  targets=("${mods[@]/%/.*}")
fi

run=("${targets[@]}")
if [ -n "${MUTATION_KEEP:-}" ]; then
  # Resume: the targets' mutants that have no result in mutants/**/*.meta yet; every target
  # when a module's mutants were never generated there.
  mapfile -t run < <("$PY" - "${#mods[@]}" "${mods[@]}" "${targets[@]}" <<'PY'
import fnmatch, json, pathlib, sys

n = int(sys.argv[1])
mods, targets = sys.argv[2 : 2 + n], sys.argv[2 + n :]
metas = [pathlib.Path("mutants", *m.split(".")).with_suffix(".py.meta") for m in mods]
if not all(m.exists() for m in metas):
    print("\n".join(targets))
    sys.exit()
for meta in metas:
    for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
        if code is None and any(fnmatch.fnmatch(name, t) for t in targets):
            print(name)
PY
  )
  echo "resuming: ${#run[@]} mutants without a result" >&2
fi

mkdir -p mutants
if [ ${#run[@]} -gt 0 ]; then
  nice -n 10 "$MUTMUT" run --max-children "$JOBS" "${run[@]}" >mutants/run.log 2>&1 || {
    tail -30 mutants/run.log >&2; exit 1; }
fi

# Per-module tally of the mutants run, from `mutmut results --all true` ("NAME: STATUS").
# detected = killed + timeout (a mutant that hangs the tests is caught too).
printf '%s\n' "${targets[@]}" >mutants/targets.txt
"$MUTMUT" results --all true | "$PY" -c "$(cat <<'PY'
import collections
import fnmatch
import sys

targets = open("mutants/targets.txt").read().split()
mods = sys.argv[1:]
tally = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    name, sep, status = line.strip().rpartition(": ")
    if not sep or not any(fnmatch.fnmatch(name, t) for t in targets):
        continue
    for m in mods:
        if name.startswith(m + ".x"):
            tally[m][status] += 1
head = ("module", "total", "killed", "survived", "timeout", "no tests", "other", "detected%")
print("%-38s %6s %6s %8s %7s %8s %5s %9s" % head)
for m in mods:
    c = tally[m]
    total = sum(c.values())
    known = c["killed"] + c["survived"] + c["timeout"] + c["no tests"]
    ratio = "%.1f" % (100 * (c["killed"] + c["timeout"]) / total) if total else "-"
    row = (m, total, c["killed"], c["survived"], c["timeout"], c["no tests"], total - known, ratio)
    print("%-38s %6d %6d %8d %7d %8d %5d %9s" % row)
PY
)" "${mods[@]}"
