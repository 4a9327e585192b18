"""Generate the student package lib/nnlab from the reference solutions/nnlab (``nnlab stubs``).

solutions/nnlab is the single source of truth. Inside it, the part of a function students write
is a *solution region*::

    def relu_forward(x):
        \"\"\"Docstring: stays in the stub.\"\"\"
        ### BEGIN SOLUTION
        ### HINT: np.maximum compares elementwise; keep x in the cache.
        out = np.maximum(0.0, x)
        ...
        ### END SOLUTION

In lib/nnlab each region becomes, at the region's indentation, one ``# Hint: ...`` comment per
``### HINT:`` line followed by::

    raise NotImplementedError("relu_forward is yours to write (nnlab/activations.py). Hint: ...")

The path in the message is the one the student sees: their lab folder holds the package as
``nnlab/`` next to the notebook (``lib/`` exists only in this repository). Everything outside the regions is copied unchanged, and so are files without regions and data
files (.json, .npz). The stubs carry no "generated" header: students do edit lib/nnlab (that is
where they write their solutions), so a "do not edit" banner would mislead them; staleness is
caught by ``nnlab stubs --check`` and tests/test_stubs.py instead.

The output depends only on the input files, so regenerating an up-to-date tree changes nothing.
"""
import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import REPO_ROOT

DEFAULT_SRC = REPO_ROOT / "solutions" / "nnlab"
DEFAULT_DST = REPO_ROOT / "lib" / "nnlab"

#: Suffixes of the files copied from the reference package (other files are ignored).
COPIED_SUFFIXES = (".py", ".json", ".npz")
SKIPPED_DIRS = ("__pycache__",)

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "### HINT:"
# Lines that look like a marker but are not exactly one (a typo would leak the solution).
_MARKER_LIKE = re.compile(r"^##+\s*(BEGIN|END)\s+SOLUTION|^##+\s*HINT\b", re.IGNORECASE)


@dataclass
class Region:
    """One solution region of a source file (line numbers are 1-based)."""

    function: str
    begin: int
    end: int
    indent: str
    hints: list[str] = field(default_factory=list)


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _function_spans(text: str, filename: str) -> list[tuple[int, int, str]]:
    """(first line, last line, name) of every function in the source, innermost last."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as error:
        raise ValueError(f"{filename}:{error.lineno}: not valid Python ({error.msg})") from None
    spans = [(node.lineno, node.end_lineno, node.name) for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return sorted(spans)


def _enclosing_function(spans: list[tuple[int, int, str]], line: int) -> str | None:
    """Name of the innermost function whose body spans the given 1-based line."""
    inside = [span for span in spans if span[0] < line <= span[1]]
    # Spans are sorted by first line, and an inner function starts after its outer one.
    return inside[-1][2] if inside else None


def find_regions(text: str, filename: str = "<string>") -> list[Region]:
    """Parse the solution regions of one source file.

    Raises ValueError naming ``filename:line`` for an unbalanced BEGIN/END, a region outside a
    function, a HINT line outside a region, or a line that looks like a misspelt marker.
    """
    lines = text.splitlines()
    regions: list[Region] = []
    current: Region | None = None
    spans = None  # parsed on the first region only: most files have none
    for i, line in enumerate(lines):
        stripped = line.strip()
        where = f"{filename}:{i + 1}"
        if stripped == BEGIN:
            if current is not None:
                raise ValueError(
                    f"{where}: {BEGIN!r} inside the region opened at line {current.begin} "
                    f"(missing {END!r}?)"
                )
            if spans is None:
                spans = _function_spans(text, filename)
            function = _enclosing_function(spans, i + 1)
            if function is None:
                raise ValueError(f"{where}: solution region outside a function")
            current = Region(function=function, begin=i + 1, end=-1, indent=_indent_of(line))
        elif stripped == END:
            if current is None:
                raise ValueError(f"{where}: {END!r} without a matching {BEGIN!r}")
            current.end = i + 1
            regions.append(current)
            current = None
        elif stripped.startswith(HINT):
            if current is None:
                raise ValueError(f"{where}: {HINT!r} line outside a solution region")
            current.hints.append(stripped[len(HINT):].strip())
        elif _MARKER_LIKE.match(stripped):
            raise ValueError(
                f"{where}: {stripped!r} looks like a region marker but is not one of "
                f"{BEGIN!r}, {END!r}, '{HINT} ...'"
            )
    if current is not None:
        raise ValueError(f"{filename}:{current.begin}: {BEGIN!r} never closed by {END!r}")
    return regions


# --------------------------------------------------------------------------------------------
# hints guide, they do not hand over the line
# --------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:e-?\d+)?|\*\*|//|->|[^\sA-Za-z_0-9]")
_ASSIGNMENT = re.compile(r"(?<![=!<>+\-*/%&|^])=(?!=)")
#: A hint holding this share (or more) of a solution line's tokens, in order, hands it over.
COPY_THRESHOLD = 0.75
#: Lines shorter than this many tokens (``x = cache``, ``return dx``) are too short to copy.
MIN_TOKENS = 5


def _tokens(text: str) -> list[str]:
    """Code-like tokens, normalised: 0.0 and 0 are the same number, ' and " the same quote."""
    out = []
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            try:
                token = format(float(token), "g")
            except ValueError:
                pass
        elif token in "\"'":
            token = "'"
        out.append(token)
    return out


def copy_score(hint: str, line: str) -> float:
    """How much of the code ``line`` (or of its right-hand side) the ``hint`` repeats, in order:
    the share of the line's tokens matched, 0..1. Matches spread over more than twice the line's
    length count only their longest run, so a long hint does not collect scattered brackets."""
    from difflib import SequenceMatcher

    code = line.split("#", 1)[0].strip()
    variants = [code]
    assignment = _ASSIGNMENT.search(code)
    if assignment:
        variants.append(code[assignment.end():])
    hint_tokens = _tokens(hint)
    best = 0.0
    for variant in variants:
        tokens = _tokens(variant)
        if len(tokens) < MIN_TOKENS:
            continue
        blocks = [b for b in SequenceMatcher(None, tokens, hint_tokens, autojunk=False)
                  .get_matching_blocks() if b.size]
        if not blocks:
            continue
        span = blocks[-1].b + blocks[-1].size - blocks[0].b
        matched = (sum(b.size for b in blocks) if span <= 2 * len(tokens)
                   else max(b.size for b in blocks))
        best = max(best, matched / len(tokens))
    return best


def copied_hints(text: str, filename: str = "<string>") -> list[str]:
    """Hints of ``text`` that repeat a code line of their own solution region, one entry each:
    "FILE:LINE FUNCTION: hint ~ code line (score)"."""
    lines = text.splitlines()
    found = []
    for region in find_regions(text, filename):
        body = [(i + 1, lines[i]) for i in range(region.begin, region.end - 1)
                if not lines[i].strip().startswith("###")]
        for hint in region.hints:
            for number, line in body:
                score = copy_score(hint, line)
                if score >= COPY_THRESHOLD:
                    found.append(f"{filename}:{number} {region.function}: {hint!r} repeats "
                                 f"{line.strip()!r} ({score:.0%} of its tokens)")
    return found


def _string_literal(text: str) -> str:
    """A double-quoted Python string literal holding text."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_stub(text: str, relpath: str) -> str:
    """The stub version of one source file: every region replaced by its hints and a raise.

    relpath: the file's path inside the package, e.g. "activations.py" (used in the message).
    """
    regions = find_regions(text, f"solutions/nnlab/{relpath}")
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    out: list[str] = []
    previous_end = 0
    for region in regions:
        out.extend(lines[previous_end: region.begin - 1])
        message = f"{region.function} is yours to write (nnlab/{relpath})."
        if region.hints:
            message += f" Hint: {region.hints[0]}"
        for hint in region.hints:
            out.append(f"{region.indent}# Hint: {hint}".rstrip() + newline)
        out.append(f"{region.indent}raise NotImplementedError({_string_literal(message)})" + newline)
        previous_end = region.end
    out.extend(lines[previous_end:])
    return "".join(out)


def _source_files(src: Path) -> list[Path]:
    """Relative paths of the files to copy, sorted (deterministic)."""
    files = []
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if any(part in SKIPPED_DIRS for part in rel.parts):
            continue
        if path.is_file() and path.suffix in COPIED_SUFFIXES:
            files.append(rel)
    return sorted(files, key=lambda p: p.as_posix())


def render(src: Path) -> dict[Path, bytes]:
    """The whole generated package in memory: relative path -> file contents."""
    src = Path(src)
    result: dict[Path, bytes] = {}
    for rel in _source_files(src):
        data = (src / rel).read_bytes()
        if rel.suffix == ".py":
            text = data.decode("utf-8")
            data = render_stub(text, rel.as_posix()).encode("utf-8")
        result[rel] = data
    return result


def _extra_files(dst: Path, wanted: dict[Path, bytes]) -> list[Path]:
    """Generated-type files in dst that the source no longer has (relative paths, sorted)."""
    if not dst.is_dir():
        return []
    return [rel for rel in _source_files(dst) if rel not in wanted]


def is_stale(src: Path = DEFAULT_SRC, dst: Path = DEFAULT_DST) -> list[str]:
    """Differences between dst and what ``generate(src, dst)`` would write; empty when up to date.

    Each entry reads "missing: PATH", "differs: PATH" or "extra: PATH" (paths relative to dst).
    """
    src, dst = Path(src), Path(dst)
    wanted = render(src)
    problems = []
    for rel, data in wanted.items():
        target = dst / rel
        if not target.is_file():
            problems.append(f"missing: {rel.as_posix()}")
        elif target.read_bytes() != data:
            problems.append(f"differs: {rel.as_posix()}")
    problems += [f"extra: {rel.as_posix()}" for rel in _extra_files(dst, wanted)]
    return problems


def generate(src: Path = DEFAULT_SRC, dst: Path = DEFAULT_DST) -> list[Path]:
    """Write the stub package for src into dst.

    Files that are already up to date are left untouched; generated-type files (.py, .json,
    .npz) in dst with no counterpart in src are removed, and so are folders left empty.
    Every source file is parsed before anything is written, so a region error leaves dst as it
    was.

    Returns the paths (under dst) written or removed, sorted.
    """
    src, dst = Path(src), Path(dst)
    wanted = render(src)
    changed = []
    for rel, data in wanted.items():
        target = dst / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(target)
    extra = _extra_files(dst, wanted)
    for rel in extra:
        (dst / rel).unlink()
        changed.append(dst / rel)
    if extra:
        _remove_empty_folders(dst)
    return sorted(changed, key=lambda p: p.as_posix())


def _remove_empty_folders(root: Path) -> None:
    """Remove folders under root that hold nothing but __pycache__ (deepest first)."""
    folders = sorted((p for p in root.rglob("*") if p.is_dir() and p.name not in SKIPPED_DIRS),
                     key=lambda p: len(p.parts), reverse=True)
    for folder in folders:
        if any(child.name not in SKIPPED_DIRS for child in folder.iterdir()):
            continue
        for cache_dir in folder.iterdir():
            for cached in cache_dir.iterdir():
                cached.unlink()
            cache_dir.rmdir()
        folder.rmdir()


def cli(args) -> int:
    """``nnlab stubs [--check]``."""
    src, dst = DEFAULT_SRC, DEFAULT_DST
    if getattr(args, "check", False):
        stale = is_stale(src, dst)
        if stale:
            print(f"{dst} is stale (run `nnlab stubs`):")
            for line in stale:
                print(f"  {line}")
            return 1
        print(f"{dst} is up to date.")
        return 0
    changed = generate(src, dst)
    for path in changed:
        verb = "wrote" if path.exists() else "removed"
        print(f"{verb} {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    if not changed:
        print(f"{dst} was already up to date.")
    return 0
