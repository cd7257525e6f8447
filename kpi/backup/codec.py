"""The backup's column codec is the shared one (kpi.core.codec); kept under this name for its callers."""
from kpi.core.codec import as_utc, decode, encode  # noqa: F401
