"""The chat-API evaluation for people: Markdown tables and an SVG bar chart (no plotting library)."""

from __future__ import annotations

from html import escape

BARS = (("direct", "#2b7a3d", "direct answer, right entry"),
        ("one_tap", "#8cc49a", "right entry within one tap"),
        ("wrong", "#c0392b", "wrong answer"))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _table(title: str, rows: dict[str, dict]) -> list[str]:
    lines = [f"## {title}", "", "| | answerable | direct | one tap | wrong | to a person | uncovered answered |"
             " personal → person | reply language right |", "|---|---|---|---|---|---|---|---|---|"]
    for key, row in rows.items():
        lines.append(f"| {key} | {row['answerable']} | {_pct(row['direct'])} | {_pct(row['one_tap'])} | "
                     f"{_pct(row['wrong'])} | {_pct(row['person'])} | {_pct(row['uncovered_answered'])} | "
                     f"{_pct(row['personal_to_person'])} | {_pct(row['language_ok'])} |")
    return [*lines, ""]


def markdown(report: dict) -> str:
    lines = [f"# Answer quality through the chat API ({report['date']})", "",
             f"Each question of `{report['source']}` (written for this evaluation by someone who had not seen "
             "the entries' example questions; never used to tune anything) opened a new conversation on the "
             "real stack. direct: answered with the right entry; one tap: direct, or a clarification whose "
             "buttons include the right entry; wrong: answered with another entry; to a person: handed to "
             "staff or nothing fitting. Shares of the answerable questions. uncovered answered: questions no "
             "entry answers that got an answer anyway. personal → person: personal cases handed to staff. "
             "reply language right: every reply in the person's language (English for languages we do not "
             "support).", "", "![direct, one tap and wrong answers per language](chat_api.svg)", ""]
    lines += _table("All", {"all": report["all"]})
    lines += _table("Per language", report["per_language"])
    lines += _table("Per topic", report["per_topic"])
    lines += ["## Wrong answers", ""]
    lines += [f"- ({w['language']}) {w['text']!r}: expected {w['kb_id']}, got {w['answered']}"
              for w in report["wrong_answers"]] or ["None."]
    lines += ["", "## Replies in another language", ""]
    lines += [f"- ({t['language']}) {t['text']!r}: replies in {', '.join(t['reply_languages'])}"
              for t in report["third_language"]] or ["None."]
    lines += ["", "Reproduce: `make eval-chat` (starts the stack on free ports)."]
    return "\n".join(lines) + "\n"


def svg_chart(per_language: dict[str, dict], width: int = 760, bar: int = 14) -> str:
    """Grouped horizontal bars per language: direct, one tap, wrong (0-100 %)."""
    left, top, group = 60, 40, bar * len(BARS) + 10
    height = top + group * len(per_language) + 30
    scale = (width - left - 20) / 100
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             'font-size="11" role="img" aria-label="Answer quality per language">',
             '<title>Answer quality per language (chat API, fresh held-out questions)</title>']
    for i, (_, colour, label) in enumerate(BARS):
        parts.append(f'<rect x="{left + i * 200}" y="8" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{left + i * 200 + 16}" y="18">{escape(label)}</text>')
    for tick in range(0, 101, 25):
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 24}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{tick}%</text>')
    for row, (language, values) in enumerate(per_language.items()):
        y = top + row * group
        parts.append(f'<text x="{left - 8}" y="{y + group / 2:.1f}" text-anchor="end">{escape(language)}</text>')
        for i, (key, colour, _) in enumerate(BARS):
            value = 100 * (values.get(key) or 0.0)
            parts.append(f'<rect x="{left}" y="{y + i * bar}" width="{value * scale:.1f}" height="{bar - 2}" '
                         f'fill="{colour}"><title>{escape(language)} {key}: {value:.1f}%</title></rect>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
