"""What the bot understood about the person, as staff read it on the ticket page (German)."""

import datetime as dt

from bot.inbox.labels import case_facts
from bot.knowledge.loader import load
from tests.support.knowledge import KNOWLEDGE, SITE

KB = load(KNOWLEDGE, SITE)


def test_every_fact_gets_a_german_row_with_status_body_and_days() -> None:
    rows = dict(case_facts({"deadline": "2026-12-03", "reference": "ABH-2024-12345", "nationality": "IT",
                            "nationality_status": "eu", "country": "SY", "profession": "nurse",
                            "competent_body": "landesamt_gesundheitsberufe"}, KB, today=dt.date(2026, 12, 4)))
    assert rows["Frist"] == "03.12.2026 (vor 1 Tagen)"
    assert rows["Aktenzeichen / Nummer (von der Person)"] == "ABH-2024-12345"
    assert rows["Staatsangehörigkeit"] == "Italien (EU (Freizügigkeit))"
    assert rows["Genanntes Land"] == "Syrien"
    assert rows["Beruf"] == "nurse → zuständig: Landesamt für Gesundheitsfachberufe Musterland (Beispiel)"


def test_ambiguous_and_missing_facts() -> None:
    rows = dict(case_facts({"nationality": "KR|KP", "profession": "physiotherapist|psychotherapist"}, KB))
    assert rows["Staatsangehörigkeit"] == "Südkorea oder Nordkorea (unklar, nachgefragt)"
    assert rows["Beruf"] == "physiotherapist oder psychotherapist"
    assert case_facts(None, KB) == [] and case_facts({}, KB) == []
