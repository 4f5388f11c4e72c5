"""Hypothesis strategies over the whole valid input space of the library."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

from .conftest import FOREIGN

LB_PER_KG = 2.20462262185


def _amount(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def registry() -> st.SearchStrategy[Any]:
    return st.sampled_from([bg.ureg, FOREIGN])


ages = st.one_of(
    st.builds(lambda v, r: r.Quantity(v, "year"), _amount(0, 130), registry()),
    st.builds(lambda v, r: r.Quantity(v, "month"), st.integers(0, 1560), registry()),
    st.builds(lambda v, r: r.Quantity(v, "day"), _amount(0, 47000), registry()),
)
"""Ages from 0 to 130 years in years, months or days, from either registry."""

weights = st.one_of(
    st.builds(lambda v, r: r.Quantity(v, "kg"), _amount(0.5, 700), registry()),
    st.builds(lambda v, r: r.Quantity(v, "g"), _amount(500, 700_000), registry()),
    st.builds(lambda v, r: r.Quantity(v, "lb"), _amount(1.11, 1543), registry()),
)
"""Weights from 0.5 to 700 kg in kg, g or lb."""

risks = st.frozensets(st.sampled_from(list(bg.RiskFactor)))
comorbidities = st.frozensets(st.sampled_from(list(bg.Comorbidity)))
labs = st.one_of(
    st.none(),
    st.builds(
        bg.Labs,
        lymphocytes=st.one_of(st.none(), st.builds(lambda v: Q_(v, "1/L"), _amount(0, 5e9))),
        neutrophils=st.one_of(st.none(), st.builds(lambda v: Q_(v, "1/L"), _amount(0, 1e10))),
        haemoglobin=st.one_of(st.none(), st.builds(lambda v: Q_(v, "g/dL"), _amount(1, 20))),
    ),
)
clearances = st.one_of(st.none(), st.builds(lambda v: Q_(v, "mL/min"), _amount(0, 200)))

licence_fields = st.fixed_dictionaries(
    {
        "creatinine_clearance": clearances,
        "egfr": clearances,
        "severe_hepatic_impairment": st.booleans(),
        "pregnant": st.booleans(),
        "breastfeeding": st.booleans(),
        "strong_oat3_inhibitor": st.booleans(),
        "labs": labs,
        "can_become_pregnant": st.one_of(st.none(), st.booleans()),
        "hypersensitivity": st.booleans(),
        "suspected_drug_induced_liver_injury": st.booleans(),
        "sex": st.one_of(st.none(), st.sampled_from(list(bg.Sex))),
        "serum_creatinine": st.one_of(
            st.none(),
            st.builds(lambda v: Q_(v, "mg/dL"), _amount(0.1, 15)),
            st.builds(lambda v: Q_(v, "umol/L"), _amount(10, 1300)),
        ),
    }
)


def _consistent(age: Any, licence: dict[str, Any]) -> dict[str, Any]:
    """The fields without a pregnancy the others rule out (refused as a contradiction)."""
    if not licence.get("pregnant"):
        return licence
    under_10 = bg.Patient(age=age).age_months < 120
    ruled_out = licence.get("sex") is bg.Sex.MALE or licence.get("can_become_pregnant") is False
    return {**licence, "pregnant": False} if under_10 or ruled_out else licence


patients = st.builds(
    lambda age, weight, risk, como, candidate, hbv, licence: bg.Patient(
        age=age,
        weight=weight,
        risk_factors=risk,
        comorbidities=como,
        systemic_candidate=candidate,
        suspected_hepatitis_b=hbv,
        **_consistent(age, licence),
    ),
    ages,
    st.one_of(st.none(), weights),
    risks,
    comorbidities,
    st.booleans(),
    st.booleans(),
    st.one_of(st.just({}), licence_fields),
)

follow_ups = st.one_of(
    st.just((None, None)),
    st.tuples(
        st.one_of(
            st.sampled_from([Q_(1, "mg"), Q_(2, "mg"), Q_(4, "mg"), Q_(2000, "microgram")]),
            st.builds(lambda v: Q_(v, "mg"), _amount(0.1, 10)),
        ),
        st.sampled_from(list(bg.Response)),
    ),
)
