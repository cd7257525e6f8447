"""Where generated workbooks are kept: KPI_EXPORT_DIR/<year>/<unit>/<file>.

Every report kind (the 监控表, the 自评表, the 进度表, the 汇总表, the fill-in workbook)
keeps a copy of what it hands out, so the finance bureau's folder holds what each unit saw.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Characters Windows, WPS and zip tools refuse in a file name, and control characters.
_UNSAFE_PATH_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class ExportedWorkbook:
    data: bytes
    filename: str
    copy: Path | None  # where the copy under KPI_EXPORT_DIR was written (None if it could not be)


def keep_copy(data: bytes, export_dir: Path | str, year: int, folder_name: str, name: str) -> Path | None:
    """Write the workbook under export_dir/<year>/<folder_name>/ (best effort: None when it cannot)."""
    folder = Path(export_dir) / str(year) / safe_name(folder_name)
    path = folder / safe_name(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError:
        log.warning("could not keep a copy of %s in %s", name, folder, exc_info=True)
        return None
    return path


def safe_name(name: str) -> str:
    """``name`` as a file or folder name: unsafe characters become "_", never empty."""
    return _UNSAFE_PATH_CHARS.sub("_", name).strip(" .") or "_"
