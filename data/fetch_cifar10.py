"""Download CIFAR-10 (python version, ~163 MB) for the labs that use it.

Usage (from the repository root, or from your release folder)::

    python data/fetch_cifar10.py                 # into data/cifar-10-batches-py
    python data/fetch_cifar10.py --dest SOMEDIR  # into SOMEDIR/cifar-10-batches-py

The archive is checked against its published MD5 before anything is extracted, and only the
members of ``cifar-10-batches-py/`` are extracted (no absolute paths, no ``..``). Afterwards::

    from nnlab.data import load_cifar10
    data = load_cifar10("data/cifar-10-batches-py")

Source: Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
https://www.cs.toronto.edu/~kriz/cifar.html
"""
import argparse
import hashlib
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
EXPECTED_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]


def md5sum(path: Path, chunk: int = 1 << 20) -> str:
    """Hex MD5 digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, target: Path) -> None:
    """Download ``url`` to ``target``, printing progress on one line."""
    def report(blocks, block_size, total):
        if total > 0:
            done = min(blocks * block_size, total)
            print(f"\r  {done / 1e6:6.1f} / {total / 1e6:.1f} MB", end="", flush=True)

    print(f"Downloading {url}")
    urllib.request.urlretrieve(url, target, reporthook=report)
    print()


def safe_extract(archive: Path, dest: Path) -> None:
    """Extract the members under ``cifar-10-batches-py/`` into ``dest``, refusing unsafe paths."""
    with tarfile.open(archive, "r:gz") as tar:
        members = []
        for m in tar.getmembers():
            parts = Path(m.name).parts
            if m.name.startswith("/") or ".." in parts or not parts or parts[0] != FOLDER:
                raise SystemExit(f"Refusing to extract unexpected archive member {m.name!r}.")
            if not (m.isfile() or m.isdir()):
                raise SystemExit(f"Refusing to extract non-regular archive member {m.name!r}.")
            members.append(m)
        # Python >= 3.11.4 has extraction filters; "data" also blocks links and special files.
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, members=members, **extra)


def main(argv=None) -> int:
    default_dest = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=default_dest,
                        help=f"folder that will hold {FOLDER}/ (default: {default_dest})")
    parser.add_argument("--force", action="store_true", help="download again even if present")
    args = parser.parse_args(argv)

    dest = args.dest.resolve()
    folder = dest / FOLDER
    if not args.force and all((folder / name).is_file() for name in EXPECTED_FILES):
        print(f"CIFAR-10 is already in {folder} (use --force to download it again).")
        return 0
    dest.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        archive = Path(tmp) / "cifar-10-python.tar.gz"
        try:
            download(URL, archive)
        except OSError as exc:  # URLError is an OSError
            print(f"Download failed: {exc}\nCheck your network connection (or proxy settings) "
                  f"and try again, or download {URL} by hand and extract it into {dest}.",
                  file=sys.stderr)
            return 1
        got = md5sum(archive)
        if got != MD5:
            print(f"Checksum mismatch: expected MD5 {MD5}, got {got}. The download is corrupt "
                  f"or incomplete; run the script again.", file=sys.stderr)
            return 1
        print(f"MD5 OK ({MD5}); extracting into {dest}")
        safe_extract(archive, dest)

    missing = [name for name in EXPECTED_FILES if not (folder / name).is_file()]
    if missing:
        print(f"Extraction finished but {folder} lacks {', '.join(missing)}.", file=sys.stderr)
        return 1
    print(f"Done: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
