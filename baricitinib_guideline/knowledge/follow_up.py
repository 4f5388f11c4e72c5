"""The chapter's follow-up steps as a table a reviewer can read beside the text.

A row is (group, dose level, response) -> step. The groups are the chapter's:

- ``adult``: adults outside the 2 mg group (4 mg recommended; 2 mg should be
  considered after sustained control; Dosage section, first paragraph);
- ``risk``: the 2 mg group, adults aged 65 or more or at higher risk of VTE,
  MACE or malignancy, or with chronic or recurrent infections (2 mg
  recommended; 4 mg *may* be considered when 2 mg does not control the
  disease; never stronger);
- ``child``: 2 to under 18 years, by weight band (the band's dose
  recommended; half of it should be considered after sustained control).

Levels are ``higher`` (adults 4 mg, children the band's dose) and ``reduced``
(adults 2 mg, children half the band's dose). A step with no level stops:
the licence advises considering stopping when there is no benefit after 8
weeks, and the options keep what the chapter still allows instead.

The reason and option codes are those of the wording catalogue.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from ..model.enums import Modality, Response

R, SBC, MBC = Modality.RECOMMENDED, Modality.SHOULD_BE_CONSIDERED, Modality.MAY_BE_CONSIDERED
SC, IC, NB = (
    Response.SUSTAINED_CONTROL,
    Response.INADEQUATE_CONTROL,
    Response.NO_BENEFIT_AFTER_8_WEEKS,
)
HIGHER, REDUCED = "higher", "reduced"
GROUPS: Final = ("adult", "risk", "child")


class Option(NamedTuple):
    condition: str
    """The option's code in the wording catalogue's conditions."""
    level: str
    modality: Modality


class Step(NamedTuple):
    level: str | None
    """The dose level to take next; ``None``: consider stopping."""
    modality: Modality | None
    reason: str
    """The step's reason code in the wording catalogue."""
    options: tuple[Option, ...] = ()
    group_reasons: bool = False
    """Whether the 2 mg group's reasons (age, risk factors) follow the step's reason."""


_STOP: Final = Step(None, None, "no-benefit-after-8-weeks")

FOLLOW_UP: Final[dict[tuple[str, str, Response], Step]] = {
    # Adults outside the 2 mg group.
    ("adult", HIGHER, SC): Step(
        REDUCED,
        SBC,
        "taper-after-sustained-control-adult",
        (Option("continue-instead-of-taper-adult", HIGHER, R),),
    ),
    ("adult", REDUCED, SC): Step(REDUCED, R, "continue-lowest-dose-adult"),
    ("adult", REDUCED, IC): Step(HIGHER, R, "return-to-standard-dose-adult"),
    ("adult", HIGHER, IC): Step(HIGHER, R, "no-higher-dose-adult"),
    ("adult", HIGHER, NB): _STOP,
    ("adult", REDUCED, NB): _STOP._replace(
        options=(Option("adult-standard-after-no-benefit", HIGHER, R),)
    ),
    # The 2 mg group: 4 mg is never stronger than "may be considered".
    ("risk", HIGHER, SC): Step(
        REDUCED, R, "back-to-group-dose", (Option("adult-escalate", HIGHER, MBC),), True
    ),
    ("risk", REDUCED, SC): Step(REDUCED, R, "continue-lowest-dose-adult", (), True),
    ("risk", REDUCED, IC): Step(
        HIGHER,
        MBC,
        "escalate-after-inadequate-control",
        (Option("continue-group-dose", REDUCED, R),),
        True,
    ),
    ("risk", HIGHER, IC): Step(
        HIGHER, MBC, "no-higher-dose-risk", (Option("continue-group-dose", REDUCED, R),), True
    ),
    ("risk", HIGHER, NB): _STOP,
    ("risk", REDUCED, NB): _STOP._replace(options=(Option("adult-escalate", HIGHER, MBC),)),
    # Children, by the weight band's dose.
    ("child", HIGHER, SC): Step(
        REDUCED,
        SBC,
        "taper-after-sustained-control-child",
        (Option("continue-instead-of-taper-child", HIGHER, R),),
    ),
    ("child", REDUCED, SC): Step(REDUCED, R, "continue-lowest-dose-child"),
    ("child", REDUCED, IC): Step(HIGHER, R, "return-to-standard-dose-child"),
    ("child", HIGHER, IC): Step(HIGHER, R, "no-higher-dose-child"),
    ("child", HIGHER, NB): _STOP,
    ("child", REDUCED, NB): _STOP._replace(
        options=(Option("child-standard-after-no-benefit", HIGHER, R),)
    ),
}
