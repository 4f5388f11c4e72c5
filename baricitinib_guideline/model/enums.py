"""Enumerations of the domain. Each member's value is its name, so JSON shows names."""

from __future__ import annotations

from enum import Enum

__all__ = [
    "Comorbidity",
    "Document",
    "Frequency",
    "Modality",
    "Response",
    "RiskFactor",
    "Sex",
    "Status",
]


class _Labelled(Enum):
    """An enum whose members read as words: ``Modality.SHOULD_BE_CONSIDERED.label``."""

    @property
    def label(self) -> str:
        """The member in words, e.g. ``should be considered``."""
        return self.name.lower().replace("_", " ")


class RiskFactor(_Labelled):
    """Patient characteristics for which the chapter or the licence lowers the dose."""

    VTE = "VTE"
    """Higher risk of venous thromboembolism."""
    MACE = "MACE"
    """Higher risk of major adverse cardiovascular events."""
    MALIGNANCY = "MALIGNANCY"
    """Higher risk of malignancy."""
    CHRONIC_OR_RECURRENT_INFECTION = "CHRONIC_OR_RECURRENT_INFECTION"
    """A history of chronic or recurrent infections."""
    SMOKING = "SMOKING"
    """Current or long-time past smoker (EMA measures for JAK inhibitors)."""


class Comorbidity(_Labelled):
    """Concomitant inflammatory diseases named in the chapter's special considerations."""

    ALOPECIA_AREATA = "ALOPECIA_AREATA"
    RHEUMATOID_ARTHRITIS = "RHEUMATOID_ARTHRITIS"
    JUVENILE_IDIOPATHIC_ARTHRITIS = "JUVENILE_IDIOPATHIC_ARTHRITIS"
    ANKYLOSING_SPONDYLITIS = "ANKYLOSING_SPONDYLITIS"
    PSORIATIC_ARTHRITIS = "PSORIATIC_ARTHRITIS"
    INFLAMMATORY_BOWEL_DISEASE = "INFLAMMATORY_BOWEL_DISEASE"


class Sex(_Labelled):
    """Sex as the renal estimate and the pregnancy questions need it; ``None`` when unknown.

    Used for the Cockcroft-Gault factor and for whether pregnancy questions
    apply. A record's other or unknown gender is ``None``: no estimate is made
    and the questions are asked.
    """

    FEMALE = "FEMALE"
    MALE = "MALE"


class Response(_Labelled):
    """How the disease responds to the current dose."""

    SUSTAINED_CONTROL = "SUSTAINED_CONTROL"
    """Sustained control of disease activity; eligible for dose tapering."""
    INADEQUATE_CONTROL = "INADEQUATE_CONTROL"
    """Disease activity not adequately controlled."""
    NO_BENEFIT_AFTER_8_WEEKS = "NO_BENEFIT_AFTER_8_WEEKS"
    """No evidence of therapeutic benefit after 8 weeks (licence, SmPC 4.2)."""


class Status(_Labelled):
    """The kind of answer a dose decision gives."""

    RECOMMENDED = "RECOMMENDED"
    NOT_RECOMMENDED = "NOT_RECOMMENDED"
    OUTSIDE_LICENCE = "OUTSIDE_LICENCE"
    INSUFFICIENT_INFORMATION = "INSUFFICIENT_INFORMATION"
    CONTRAINDICATED = "CONTRAINDICATED"
    CONSIDER_STOPPING = "CONSIDER_STOPPING"
    """No regimen: the licence advises considering stopping (no benefit after 8 weeks).

    The answer's ``alternatives`` still list what the chapter allows instead of
    stopping, such as 4 mg for the 2 mg group."""


class Frequency(Enum):
    """How often a dose is taken."""

    ONCE_DAILY = "ONCE_DAILY"


class Modality(_Labelled):
    """How firmly the source words a dosing statement."""

    RECOMMENDED = "RECOMMENDED"
    """"... is recommended" / "the recommended dose is"."""
    SHOULD_BE_CONSIDERED = "SHOULD_BE_CONSIDERED"
    """"... should be considered"."""
    MAY_BE_CONSIDERED = "MAY_BE_CONSIDERED"
    """"... may be considered"."""


class Document(Enum):
    """Which text a statement comes from."""

    GUIDELINE = "GUIDELINE"
    """The EuroGuiDerm atopic eczema guideline, baricitinib chapter."""
    SMPC = "SMPC"
    """The EU product licence (summary of product characteristics) of Olumiant."""
    EMA_REFERRAL = "EMA_REFERRAL"
    """The EMA's Article 20 referral on JAK inhibitors (CHMP, 23 January 2023)."""
    MANUFACTURER_INFORMATION = "MANUFACTURER_INFORMATION"
    """The manufacturer's medical-information pages (Lilly Medical EU)."""
    PACKAGE_LEAFLET = "PACKAGE_LEAFLET"
    """The EU package leaflet of Olumiant (the patient's wording of the licence)."""
    PUBLISHED_METHOD = "PUBLISHED_METHOD"
    """A published clinical method the library applies, such as the Cockcroft-Gault
    estimate of creatinine clearance (Nephron 1976)."""

    @property
    def label(self) -> str:
        """How a citation names the document, e.g. ``SmPC`` or ``EMA referral``."""
        return _DOCUMENT_LABELS[self.name]


_DOCUMENT_LABELS = {
    "GUIDELINE": "guideline",
    "SMPC": "SmPC",
    "EMA_REFERRAL": "EMA referral",
    "MANUFACTURER_INFORMATION": "manufacturer's information",
    "PACKAGE_LEAFLET": "package leaflet",
    "PUBLISHED_METHOD": "published method",
}
