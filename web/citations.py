"""Citations of an archived article in RIS, BibTeX and CSL-JSON."""
from __future__ import annotations

import re


def _paper(record: dict) -> str:
    return "The Phnom Penh Post" if record.get("site") == "phnompenhpost.com" else str(record.get("site"))


def _names(record: dict) -> list[str]:
    return record.get("authors") or []


def _date_parts(record: dict) -> list[int]:
    published = record.get("published") or ""
    return [int(p) for p in published[:10].split("-")] if published else []


def ris(record: dict, accessed: str) -> str:
    lines = ["TY  - NEWS", f"TI  - {record.get('headline') or ''}"]
    lines += [f"AU  - {name}" for name in _names(record)]
    if record.get("published"):
        lines.append(f"DA  - {record['published'][:10].replace('-', '/')}")
        lines.append(f"PY  - {record['published'][:4]}")
    lines += [f"T2  - {_paper(record)}", f"UR  - {record['url']}", f"Y2  - {accessed}", "ER  - "]
    return "\r\n".join(lines) + "\r\n"


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}&%$#_])", r"\\\1", text)


def bibtex(record: dict, accessed: str) -> str:
    key = re.sub(r"\W+", "", (_names(record) or ["anon"])[0].split()[-1].lower()) + (record.get("published") or "")[:4]
    fields = {"title": record.get("headline") or "", "author": " and ".join(_names(record)),
              "journal": _paper(record),
              "date": (record.get("published") or "")[:10], "url": record["url"], "urldate": accessed}
    body = ",\n".join(f"  {name} = {{{_bib_escape(str(value))}}}" for name, value in fields.items() if value)
    return f"@article{{{key},\n{body}\n}}\n"


def csl_json(record: dict, accessed: str) -> list[dict]:
    item = {"id": record["url"], "type": "article-newspaper", "title": record.get("headline"),
            "container-title": _paper(record),
            "URL": record["url"], "accessed": {"date-parts": [[int(p) for p in accessed.split("-")]]},
            "author": [{"literal": name} for name in _names(record)]}
    if _date_parts(record):
        item["issued"] = {"date-parts": [_date_parts(record)]}
    return [item]
