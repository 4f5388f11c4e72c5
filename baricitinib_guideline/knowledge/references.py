"""The chapter's numbered reference list, in its order."""

from __future__ import annotations

from typing import Final

from ..model.evidence import Citation

REFERENCES: Final[tuple[Citation, ...]] = (
    Citation(
        number=1,
        authors="Drucker AM, Lam M, Prieto-Merino D, Malek R, Ellis AG, Yiu ZZN et al.",
        title="Systemic Immunomodulatory Treatments for Atopic Dermatitis: Living Systematic "
        "Review and Network Meta-Analysis Update",
        journal="JAMA Dermatol",
        year=2024,
        volume="160(9)",
        pages="936-44",
    ),
    Citation(
        number=2,
        authors="Drucker AM",
        title="Systemic immunomodulatory treatments for atopic dermatitis: a living systematic "
        "review and network meta-analysis",
        journal="",
        year=2022,
        url="https://eczematherapies.com/research/",
        accessed="12 May 2025",
    ),
    Citation(
        number=3,
        authors="Reich K, Kabashima K, Peris K, Silverberg JI, Eichenfield LF, Bieber T et al.",
        title="Efficacy and Safety of Baricitinib Combined With Topical Corticosteroids for "
        "Treatment of Moderate to Severe Atopic Dermatitis: A Randomized Clinical Trial",
        journal="JAMA Dermatol",
        year=2020,
        volume="156(12)",
        pages="1333-43",
    ),
    Citation(
        number=4,
        authors="Torrelo A, Rewerska B, Galimberti M, Paller A, Yang CY, Prakash A et al.",
        title="Efficacy and safety of baricitinib in combination with topical corticosteroids in "
        "paediatric patients with moderate-to-severe atopic dermatitis with an inadequate "
        "response to topical corticosteroids: results from a phase III, randomized, "
        "double-blind, placebo-controlled study (BREEZE-AD PEDS)",
        journal="Br J Dermatol",
        year=2023,
        volume="189(1)",
        pages="23-32",
    ),
    Citation(
        number=5,
        authors="Silverberg JI, Simpson EL, Wollenberg A, Bissonnette R, Kabashima K, "
        "DeLozier AM et al.",
        title="Long-term Efficacy of Baricitinib in Adults With Moderate to Severe Atopic "
        "Dermatitis Who Were Treatment Responders or Partial Responders: An Extension Study of "
        "2 Randomized Clinical Trials",
        journal="JAMA Dermatol",
        year=2021,
        volume="157(6)",
        pages="691-9",
    ),
    Citation(
        number=6,
        authors="Silverberg JI, Simpson EL, Thyssen JP, Werfel T, Cardillo TE, Colvin S et al.",
        title="Long-term efficacy (up to 68 weeks) of Baricitinib in combination with topical "
        "corticosteroids in adult patients with moderate-to-severe atopic dermatitis: Analysis "
        "of treatment responders, partial responders and nonresponders originating from study "
        "BREEZE-AD7",
        journal="J Eur Acad Dermatol Venereol",
        year=2023,
        volume="37(5)",
        pages="1036-45",
    ),
    Citation(
        number=7,
        authors="Taylor PC, Bieber T, Alten R, Witte T, Galloway J, Deberdt W et al.",
        title="Baricitinib Safety for Events of Special Interest in Populations at Risk: "
        "Analysis from Randomised Trial Data Across Rheumatologic and Dermatologic Indications",
        journal="Adv Ther",
        year=2023,
        volume="40(4)",
        pages="1867-83",
    ),
    Citation(
        number=8,
        authors="Bieber T, Thyssen JP, Reich K, Simpson EL, Katoh N, Torrelo A et al.",
        title="Pooled safety analysis of baricitinib in adult patients with atopic dermatitis "
        "from 8 randomized clinical trials",
        journal="J Eur Acad Dermatol Venereol",
        year=2021,
        volume="35(2)",
        pages="476-85",
    ),
    Citation(
        number=9,
        authors="Taylor PC, Takeuchi T, Burmester GR, Durez P, Smolen JS, Deberdt W et al.",
        title="Safety of baricitinib for the treatment of rheumatoid arthritis over a median of "
        "4.6 and up to 9.3 years of treatment: final results from long-term extension study and "
        "integrated database",
        journal="Ann Rheum Dis",
        year=2022,
        volume="81(3)",
        pages="335-43",
    ),
    Citation(
        number=10,
        authors="Fleischmann R, Schiff M, van der Heijde D, Ramos-Remus C, Spindler A, "
        "Stanislav M et al.",
        title="Baricitinib, Methotrexate, or Combination in Patients With Rheumatoid Arthritis "
        "and No or Limited Prior Disease-Modifying Antirheumatic Drug Treatment",
        journal="Arthritis Rheumatol",
        year=2017,
        volume="69(3)",
        pages="506-17",
    ),
)
