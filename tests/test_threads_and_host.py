"""Thread safety, determinism across processes, and no side effects on the host."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Response

PATIENTS = [
    bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")),
    bg.Patient(age=Q_(12, "year"), weight=Q_(66.14, "lb")),
    bg.Patient(age=Q_(40, "year")),
    bg.Patient(age=Q_(70, "year"), risk_factors={bg.RiskFactor.VTE}),
    bg.Patient(age=Q_(30, "year"), creatinine_clearance=Q_(45, "mL/min")),
    bg.Patient(age=Q_(6, "year"), weight=Q_(20, "kg"), egfr=Q_(50, "mL/min")),
    bg.Patient(age=Q_(30, "year"), pregnant=True),
    bg.Patient(age=Q_(8, "year")),
]

pytestmark = pytest.mark.slow


def call(index: int) -> object:
    """The index-th call of a fixed mix of the public functions."""
    patient = PATIENTS[index % len(PATIENTS)]
    kind = index % 5
    if kind == 0:
        return bg.recommend(patient)
    if kind == 1:
        return bg.recommend(patient, current_dose=Q_(4, "mg"), response=Response.SUSTAINED_CONTROL)
    if kind == 2:
        return bg.screening_plan(patient)
    if kind == 3:
        return bg.to_json(bg.recommend(patient))
    return bg.nma_result(Q_(2 + 2 * (index % 2), "mg"), list(bg.Outcome)[index % 4])


def test_eight_threads_agree_with_one() -> None:
    calls = 10_000
    expected = [call(i) for i in range(calls)]
    results: dict[int, list[object]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(number: int) -> None:
        try:
            barrier.wait()
            if number % 2:
                bg.api._ANSWERS.clear()  # race the memo as well
            results[number] = [call(i) for i in range(calls)]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for number in range(8):
        assert results[number] == expected


DUMP = textwrap.dedent(
    """
    import datetime as dt
    import baricitinib_guideline as bg
    Q_ = bg.Q_
    patients = [
        bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"), risk_factors=set(bg.RiskFactor),
                   comorbidities=set(bg.Comorbidity)),
        bg.Patient(age=Q_(70, "year"), creatinine_clearance=Q_(45, "mL/min")),
    ]
    for p in patients:
        print(bg.to_json(p))
        print(bg.to_json(bg.recommend(p)))
        print(bg.to_json(bg.screening_plan(p)))
    print(bg.to_json(bg.monitoring_schedule(dt.date(2024, 1, 31), until=dt.date(2025, 1, 31))))
    print(bg.to_json(bg.nma_results()))
    """
)


def _dump(seed: str) -> bytes:
    env = {"PYTHONHASHSEED": seed, "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", DUMP], capture_output=True, check=True, env=env, timeout=120
    )
    return done.stdout


def test_two_processes_write_byte_identical_json() -> None:
    first, second = _dump("1"), _dump("2")
    assert first == second
    assert b'"risk_factors": ["CHRONIC_OR_RECURRENT_INFECTION", "MACE"' in first


HOST_CHECK = textwrap.dedent(
    """
    import locale, logging, warnings, json, sys
    import pint

    def state():
        root = logging.getLogger()
        return {
            "app_registry": id(pint.get_application_registry().get()),
            "root_handlers": [repr(h) for h in root.handlers],
            "root_level": root.level,
            "loggers": sorted(
                (name, getattr(logger, "level", None))
                for name, logger in logging.root.manager.loggerDict.items()
            ),
            "warnings": [repr(f) for f in warnings.filters],
            "locale": locale.setlocale(locale.LC_ALL, None),
            "numeric_locale": locale.setlocale(locale.LC_NUMERIC, None),
        }

    before = state()
    import datetime as dt
    import baricitinib_guideline as bg
    from baricitinib_guideline.cli import main
    p = bg.Patient(age=bg.Q_(8, "year"), weight=bg.Q_(25, "kg"))
    bg.recommend(p)
    bg.from_json(bg.to_json(bg.recommend(p)), bg.DoseRecommendation)
    bg.screening_plan(p)
    bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2027, 1, 1))
    try:
        bg.from_json("{", bg.Patient)
    except bg.InvalidInputError:
        pass
    main(["--json"])
    EXTRA
    after = state()
    # Loggers the library itself may name are allowed to exist, with no level set.
    after["loggers"] = [item for item in after["loggers"] if item not in before["loggers"]
                        and not item[0].startswith("baricitinib_guideline")] + before["loggers"]
    after["loggers"].sort()
    print(json.dumps({"same": before == after, "before": before, "after": after}), file=sys.stderr)
    """
)


def _host_report(extra: str) -> dict[str, object]:
    import json

    code = HOST_CHECK.replace("EXTRA", extra)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    report: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return report


def test_using_the_library_leaves_the_host_unchanged() -> None:
    report = _host_report("pass")
    assert report["same"], report


def test_the_host_check_sees_a_change() -> None:
    for change in (
        "warnings.simplefilter('ignore')",
        "logging.basicConfig()",
        "pint.set_application_registry(bg.ureg)",
    ):
        assert not _host_report(change)["same"], change


def test_memoised_answers_are_shared_objects_and_immutable() -> None:
    first = bg.recommend(PATIENTS[0])
    again = bg.recommend(bg.Patient(age=Q_(96, "month"), weight=Q_(25000, "g")))
    assert again is first
    import attrs
    import pytest

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.status = bg.Status.NOT_RECOMMENDED  # type: ignore[misc]
