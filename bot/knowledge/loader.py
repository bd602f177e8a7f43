"""Read and validate the knowledge base: entries by topic folder, and the city's site file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.knowledge.schema import ANSWER_WORDS, TOPICS, TRANSLATION_LENGTH, Country, CountryTable, Entry, Site

STALE_AFTER = dt.timedelta(days=365)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry]
    site: Site
    countries: dict[str, Country] = field(default_factory=dict)  # ISO code -> status (reference/countries.yml)


class KnowledgeBaseError(Exception):
    """The content does not validate; the message lists every problem."""


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


REFERENCE = "reference"  # tables the entity layer maps to: knowledge_base/reference/


def countries_file(root: Path) -> Path:
    return root / REFERENCE / "countries.yml"


def load_countries(root: Path) -> dict[str, Country]:
    """ISO code -> status; empty when the knowledge base has no table (checked by `check`)."""
    path = countries_file(root)
    return CountryTable.model_validate(_read_yaml(path)).countries if path.exists() else {}


def entry_files(root: Path) -> list[Path]:
    return sorted(p for topic in TOPICS for p in (root / topic).glob("*.yml"))


def check(root: Path, site_file: Path, today: dt.date | None = None) -> tuple[KnowledgeBase | None, Report]:
    """Validate everything and collect all problems instead of stopping at the first."""
    today = today or dt.date.today()
    report = Report()
    site: Site | None = None
    try:
        site = load_site(site_file)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        report.errors.append(f"{site_file}: {exc}")

    countries: dict[str, Country] = {}
    if not countries_file(root).exists():
        report.warnings.append(f"{countries_file(root)}: missing; a stated nationality changes no answer")
    else:
        try:
            countries = load_countries(root)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            report.errors.append(f"{countries_file(root)}: {exc}")

    entries: dict[str, Entry] = {}
    stray = sorted(p for p in root.glob("*/*.yml") if p.parent.name not in (*TOPICS, "site", REFERENCE))
    report.errors += [f"{p}: folder is not a topic ({', '.join(TOPICS)})" for p in stray]
    for path in entry_files(root):
        try:
            entry = Entry.model_validate(_read_yaml(path))
        except (yaml.YAMLError, ValidationError) as exc:
            report.errors.append(f"{path}: {exc}")
            continue
        where = f"{path.relative_to(root)}"
        if entry.id != path.stem:
            report.errors.append(f"{where}: id {entry.id!r} differs from the file name")
        if entry.topic != path.parent.name:
            report.errors.append(f"{where}: topic {entry.topic!r} but stored under {path.parent.name}/")
        if entry.id in entries:
            report.errors.append(f"{where}: duplicate id {entry.id!r}")
        if site is not None and entry.responsible not in site.contacts:
            report.errors.append(f"{where}: responsible {entry.responsible!r} is not a contact in the site file")
        if today - entry.reviewed > STALE_AFTER:
            report.warnings.append(f"{where}: reviewed {entry.reviewed}, more than 12 months ago")
        if entry.reviewed > today:
            report.errors.append(f"{where}: reviewed date {entry.reviewed} lies in the future")
        for lang, answer in entry.answers.items():
            words = len(answer.split())
            low, high = ANSWER_WORDS
            if entry.review.get(lang) != "source":  # a translation runs longer than its source
                high = round(high * TRANSLATION_LENGTH)
            if not low <= words <= high:
                report.warnings.append(f"{where}: answers.{lang} has {words} words (aim for {low}-{high})")
        entries[entry.id] = entry
    if not entries:
        report.errors.append(f"{root}: no entries found")
    if report.errors or site is None:
        return None, report
    return KnowledgeBase(entries=entries, site=site, countries=countries), report


def load_site(site_file: Path) -> Site:
    return Site.model_validate(_read_yaml(site_file))


def load(root: Path, site_file: Path) -> KnowledgeBase:
    kb, report = check(root, site_file)
    if kb is None:
        raise KnowledgeBaseError("\n".join(report.errors))
    return kb
