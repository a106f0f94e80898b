"""Generated tests and mutation testing, measured: the share of the reference rule files' alert rules
that get generated tests (and the time to generate them) and the share of mutants those tests kill, then
the default stack's mutation run on the promtool path (all rules; goal <= 60 s), its mutants per second
and its score.

    python benchmarks/generate_mutate.py [--rules FILE...] [--no-default-stack] [--out FILE]

--rules measures other rule files (or PrometheusRule manifests) in place of the reference ones, e.g.
../shared/reference-configs/kube-prometheus/manifests/*-prometheusRule.yaml.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from monsuite.alerts.scenarios import load_for_stack  # noqa: E402
from monsuite.deployed.rules import rule_files as unwrapped  # noqa: E402
from monsuite.generate.generator import generate, rendered_unit_tests  # noqa: E402
from monsuite.manifest import load_manifest  # noqa: E402
from monsuite.mutate.runner import run  # noqa: E402
from monsuite.rules.model import expand  # noqa: E402
from monsuite.alerts.unitgen import build_tests, write_tests  # noqa: E402

from tests import reference_configs  # noqa: E402

# The public rule files, read where they are provided (tests/reference_configs.py says where and how to point elsewhere).
REFERENCE = [reference_configs.awesome_rules(name) for name in sorted(reference_configs.AWESOME_RULES)] + [
    reference_configs.reference(f"{reference_configs.PROMTOOL_TESTDATA_V242}/rules.yml")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", nargs="+", type=Path, metavar="FILE",
                        help="measure these rule files instead of the reference ones")
    parser.add_argument("--no-default-stack", action="store_true", help="leave out the default stack's mutation run")
    add_out_option(parser, "generate_mutate")
    args = parser.parse_args()
    if not args.rules and not reference_configs.available():
        sys.exit(f"generate_mutate: {reference_configs.MISSING_REASON}")
    result = {"reference": measure_files(args.rules or REFERENCE)}
    if not args.no_default_stack:
        result["default_stack"] = measure_default_stack()
    return write_result(result, args.out)


def measure_files(paths: list[Path]) -> dict:
    files = []
    for given in paths:
        path, = unwrapped(str(given))  # a PrometheusRule manifest: its plain rule file
        started = time.monotonic()
        outcome = generate([path])
        seconds = time.monotonic() - started
        with tempfile.TemporaryDirectory() as directory:
            written = rendered_unit_tests(outcome, Path(directory) / "generated-test.yml")
            for where, text in written.items():
                where.write_text(text)
            mutation = run([path], list(written))
        killed = sum(v.killed for v in mutation.verdicts)
        files.append({"file": _shown(given), "alert_rules": outcome.alert_rules,
                      "generated": outcome.rules_covered, "seconds": round(seconds, 2),
                      "not_generated": {r.alert: why for r, why in outcome.unsupported},
                      "mutants": len(mutation.verdicts), "killed": killed,
                      "survivors": [v.mutant.description for v in mutation.verdicts if not v.killed]})
        print(f"{given.name:<32} {outcome.rules_covered:>3}/{outcome.alert_rules:<3} generated in {seconds:.1f} s, "
              f"{killed}/{len(mutation.verdicts)} mutants killed ({100 * mutation.score:.1f} %)")
    total = sum(f["alert_rules"] for f in files)
    generated = sum(f["generated"] for f in files)
    mutants, killed = sum(f["mutants"] for f in files), sum(f["killed"] for f in files)
    print(f"rule files: {generated}/{total} alert rules ({100 * generated / total:.1f} %) get generated tests; "
          f"they kill {killed}/{mutants} mutants ({100 * killed / mutants:.1f} %)")
    return {"alert_rules": total, "generated": generated, "share": round(generated / total, 4),
            "mutants": mutants, "killed": killed, "score": round(killed / mutants, 4), "files": files}


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(reference_configs.root().resolve()))
    except ValueError:
        return str(path)


def measure_default_stack() -> dict:
    manifest = load_manifest("default")
    scenarios, rules = load_for_stack(manifest)
    rule_files = expand(manifest.directory, list(manifest.rule_files))
    with tempfile.TemporaryDirectory() as directory:
        own = write_tests(Path(directory) / "scenario-test.yml",
                          build_tests([s for s in scenarios if s.unit], rules, rule_files))
        result = run(rule_files, [own, manifest.directory / "rule-tests" / "generated-test.yml"])
    stack_killed = sum(v.killed for v in result.verdicts)
    print(f"default stack: {stack_killed}/{len(result.verdicts)} mutants killed (score {100 * result.score:.1f} %) in "
          f"{result.seconds:.1f} s, {result.per_second:.1f} mutants/s on {os.cpu_count()} cores")
    return {"mutants": len(result.verdicts), "killed": stack_killed, "score": round(result.score, 4),
            "seconds": round(result.seconds, 1), "mutants_per_second": round(result.per_second, 2),
            "cores": os.cpu_count(), "survivors": [v.mutant.description for v in result.verdicts if not v.killed]}


if __name__ == "__main__":
    sys.exit(main())
