"""A comparison's tables for officials who work in Excel: CSV files and one workbook.

:func:`write_tables` writes ``effect_sources.csv`` and ``spending_per_year.csv`` (beside
``summary.csv`` and ``cost_effectiveness.csv``, which :mod:`sim.present.comparison` writes) and
``tables.xlsx`` with one sheet per table (sheet names in the report's language, the columns as
in the CSV files). The
workbook needs openpyxl (the optional extra ``excel``); without it the CSV files are written and
the workbook is left out (:func:`write_tables` says so in its return value). Called by
:mod:`sim.present.comparison`.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from sim.files import atomic_write_bytes, atomic_write_text
from sim.present.i18n import Lang

__all__ = ["CSV_FILES", "WORKBOOK", "write_tables"]

CSV_FILES = ("effect_sources.csv", "spending_per_year.csv")
WORKBOOK = "tables.xlsx"


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def _sheets(tables: dict[str, pd.DataFrame], t: Lang) -> dict[str, pd.DataFrame]:
    names = {
        "summary": t.tr("summary"),
        "effect_sources": t.tr("where from"),
        "spending_per_year": t.tr("spending per year"),
        "cost_effectiveness": t.tr("cost-effectiveness"),
    }
    return {names.get(k, k)[:31]: v for k, v in tables.items()}


def workbook_bytes(tables: dict[str, pd.DataFrame], t: Lang) -> bytes | None:
    """The tables as an Excel workbook (one sheet each, frozen header, fitted columns), or
    None without openpyxl."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        return None
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in _sheets(tables, t).items():
            frame.to_excel(writer, sheet_name=sheet, index=False, freeze_panes=(1, 0))
            ws = writer.sheets[sheet]
            for col, name in enumerate(frame.columns, start=1):
                width = max([len(str(name)), *(len(f"{v}") for v in frame.iloc[:200, col - 1])])
                ws.column_dimensions[ws.cell(1, col).column_letter].width = min(width + 2, 40)
    return _fixed_times(buf.getvalue())


def _fixed_times(xlsx: bytes) -> bytes:
    """The workbook with its timestamps fixed, so the same comparison gives the same bytes
    (openpyxl stamps the document properties and the zip entries with the time of writing)."""
    stamp = "2000-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" +
                              stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def write_tables(out_dir: Path, tables: dict[str, pd.DataFrame], t: Lang) -> list[str]:
    """Write the CSV files of :data:`CSV_FILES` and ``tables.xlsx``; the names written.

    Args:
        out_dir: The comparison's folder.
        tables: ``summary``, ``effect_sources``, ``spending_per_year``,
            ``cost_effectiveness`` (DataFrames).
        t: The language of the workbook's sheet names.
    """
    out_dir = Path(out_dir)
    written = []
    for name in CSV_FILES:
        atomic_write_text(out_dir / name, _csv(tables[name.removesuffix(".csv")]))
        written.append(name)
    data = workbook_bytes(tables, t)
    if data is not None:
        atomic_write_bytes(out_dir / WORKBOOK, data)
        written.append(WORKBOOK)
    else:
        (out_dir / WORKBOOK).unlink(missing_ok=True)
    return written
