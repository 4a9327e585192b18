"""Files generated from a single source of truth: write them, or check that they are current."""
from pathlib import Path


def write_or_check(path: Path, text: str, check: bool, what: str = "") -> int:
    """Write ``text`` to ``path`` (or, with ``check``, only compare). Returns 1 if stale."""
    path = Path(path)
    if check:
        same = path.is_file() and path.read_text(encoding="utf-8") == text
        print(f"{path}: {'up to date' if same else 'STALE'}")
        return 0 if same else 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}{f' ({what})' if what else ''}")
    return 0
