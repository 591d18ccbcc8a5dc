"""Typical published values of the SOF 2021/22 metrics, so the demo's numbers look like England's.

For each metric code: the national centre of a body's value, how far bodies sit from each other
(`between`, one standard deviation), how much one body's value moves from one point to the next
(`noise`), the winter swing (`season`: added in January, subtracted in July, a cosine between;
negative where winter lowers the value), a national drift per year (`drift`), and the plausible
range (`low`, `high`) inside the catalogue's valid range. Counts that grow with a body's size
are `sized` (the centre is a mid-sized acute trust's); `rare` counts are drawn as Poisson events.

Sources, rounded (2017/18 to 2021/22): NHS England statistical work areas (A&E attendances and
emergency admissions, RTT waiting times, diagnostics DM01, cancer waiting times, ambulance
quality indicators, IAPT, mental health services monthly statistics), NHS Digital (SHMI,
dementia diagnosis, sickness absence, NHS workforce), UKHSA (healthcare-associated infections,
flu vaccine uptake, screening coverage), the NHS Staff Survey and CQC ratings. Financial
metrics are in % of plan around break-even. Local priorities are locally defined (0-100 here).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Typical:
    centre: float
    between: float
    noise: float
    low: float
    high: float
    season: float = 0.0
    drift: float = 0.0
    sized: bool = False
    rare: bool = False


T = Typical
SOF_2021_22: dict[str, Typical] = {
    "S002": T(1.0, 0.08, 0.03, 0.7, 1.3),  # SHMI
    "S003": T(45_000, 8_000, 600, 2_000, 250_000, drift=4_000, sized=True),  # RTT waiting list
    "S004": T(900, 500, 80, 0, 20_000, drift=300, sized=True),  # 52-week waits
    "S005": T(72, 7, 1.2, 45, 92, drift=-3),  # RTT within 18 weeks (%)
    "S006": T(20, 8, 2.0, 0.5, 60, season=2, drift=1.5),  # diagnostics 6+ weeks (%)
    "S007": T(92, 7, 3.5, 55, 130),  # elective activity vs 2019/20 (%)
    "S008": T(72, 7, 3.5, 45, 95, drift=-1),  # cancer 62-day (%)
    "S009": T(74, 6, 3.0, 50, 95),  # cancer 28-day FDS (%)
    "S010": T(55, 3, 1.2, 45, 65),  # stage 1 or 2 (%)
    "S011": T(77, 7, 2.0, 55, 98, season=-4, drift=-1.5),  # A&E 4-hour (%)
    "S012": T(60, 45, 12, 0, 3_000, season=25, drift=15, sized=True),  # 12-hour DTA waits
    "S013": T(8.0, 0.6, 0.35, 6.0, 14, season=0.6, drift=0.2),  # Cat 1 mean (min)
    "S014": T(32, 8, 4.0, 17, 90, season=9, drift=3),  # Cat 2 mean (min)
    "S015": T(220, 150, 40, 0, 3_000, sized=True),  # out of area bed days
    "S016": T(1.6, 0.3, 0.12, 0.6, 3.5),  # IAPT access (% of prevalence, a month)
    "S017": T(51, 3, 1.8, 40, 62),  # IAPT recovery (%)
    "S018": T(70, 10, 6.0, 30, 100),  # EIP within 2 weeks (%)
    "S019": T(63, 5, 0.6, 48, 82, drift=-0.8),  # dementia diagnosis (%)
    "S020": T(5_500, 1_200, 150, 200, 60_000, drift=300, sized=True),  # CYP accessing MH
    "S021": T(45, 12, 2.5, 10, 110, drift=-2),  # inpatients LD/autism (per million)
    "S022": T(4.0, 1.5, 0, 0, 80, sized=True, rare=True),  # C. difficile
    "S023": T(9.0, 3.0, 0, 0, 150, season=-1, sized=True, rare=True),  # E. coli
    "S024": T(0.15, 0.08, 0, 0, 10, rare=True),  # MRSA
    "S025": T(0.1, 0.06, 0, 0, 5, rare=True),  # never events
    "S026": T(0.2, 0.2, 0, 0, 10, rare=True),  # safety alerts not completed
    "S027": T(0.9, 0.08, 0.02, 0.6, 1.3, season=0.05, drift=-0.02),  # antibiotic items
    "S028": T(8.5, 1.0, 0.3, 5, 13, drift=-0.2),  # broad-spectrum (%)
    "S029": T(5.6, 1.0, 0.6, 2.5, 10),  # neonatal mortality and stillbirths (per 1,000)
    "S030": T(81, 3, 1.2, 70, 90),  # flu 65+ (%)
    "S031": T(52, 4, 2.0, 38, 65),  # flu under 65 at risk (%)
    "S032": T(86, 4, 0.8, 70, 96),  # COVID-19 vaccination (%)
    "S033": T(70, 4, 1.2, 55, 82, drift=-1),  # breast screening (%)
    "S034": T(66, 3, 1.0, 55, 75, drift=1),  # bowel screening (%)
    "S035": T(68, 4, 0.7, 55, 80, drift=-0.5),  # cervical screening (%)
    "S036": T(3, 4, 1.8, -12, 18),  # restoration gap, deprivation (pp)
    "S037": T(2, 4, 1.8, -12, 18),  # restoration gap, ethnicity (pp)
    "S038": T(88, 6, 1.5, 60, 100, drift=1),  # ethnicity recorded (%)
    "S039": T(42, 10, 3.0, 10, 80),  # SMI physical health checks (%)
    "S040": T(66, 9, 4.0, 30, 90),  # LD annual health checks (%)
    "S041": T(9.5, 3, 0.8, 3, 20, drift=-0.5),  # smoking at delivery (%)
    "S042": T(6.8, 0.25, 0.08, 6.0, 7.6),  # People Promise index
    "S043": T(7.2, 0.25, 0.08, 6.4, 7.9),  # compassionate and inclusive
    "S044": T(6.7, 0.25, 0.08, 5.9, 7.4),  # a voice that counts
    "S045": T(7.0, 0.25, 0.08, 6.2, 7.7),  # staff engagement
    "S046": T(57, 5, 1.5, 40, 72),  # health and wellbeing (%)
    "S047": T(19, 3, 1.0, 10, 30),  # bullying from colleagues (%)
    "S048": T(52, 5, 1.5, 35, 68),  # flexible working (%)
    "S049": T(60, 7, 2.0, 35, 82, drift=-1.5),  # recommend as a place to work (%)
    "S050": T(7.5, 2, 0.5, 3, 15),  # discrimination (%)
    "S051": T(11, 2, 0.4, 6, 20, drift=0.5),  # leaver rate (%)
    "S052": T(5.0, 0.8, 0.35, 3, 9, season=0.7, drift=0.2),  # sickness absence (%)
    "S053": T(10, 6, 0.8, 0, 40, drift=0.6),  # BME at 8c+ (%)
    "S054": T(0.1, 0.8, 0.5, -6, 5),  # variance to financial plan (% of income)
    "S055": T(-1.5, 2.5, 0.5, -12, 6),  # underlying position (% of income)
    "S056": T(100.5, 1.5, 0.8, 92, 112),  # run-rate against plan (%)
    "S057": T(0.0, 1.0, 0.8, -6, 6),  # trend in financial position (pp)
    "S058": T(95, 25, 8.0, 20, 220),  # agency spend against ceiling (%)
    "S059": T(85, 15, 8.0, 20, 140),  # efficiency delivery (%)
    "S061": T(6.9, 0.25, 0.08, 6.1, 7.6),  # compassionate leadership
    "S062": T(6.6, 0.3, 0.08, 5.7, 7.4),  # leadership culture
    "S063": T(6.5, 0.3, 0.08, 5.6, 7.3),  # raising concerns
    "S064": T(50, 15, 4.0, 0, 100),  # local priority 1
    "S065": T(50, 15, 4.0, 0, 100),  # local priority 2
    "S066": T(50, 15, 4.0, 0, 100),  # local priority 3
}


def typical(code: str) -> Typical | None:
    return SOF_2021_22.get(code)
