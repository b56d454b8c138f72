#!/usr/bin/env python3
"""Refresh src/core/pythoncapi_compat.h, the header of the pythoncapi-compat
project (https://github.com/python/pythoncapi-compat), vendored unmodified.

    python tools/upgrade_pythoncapi.py              # from the upstream repository
    python tools/upgrade_pythoncapi.py --from-pypi  # from multidict's sdist on PyPI

The second source is for machines that reach PyPI but not GitHub: multidict
vendors the same file unmodified (multidict/_multilib/pythoncapi_compat.h).
The script prints where the file came from and its SHA-256; rebuild and run
the tests (and `.ci/run werror`) after a refresh.
"""
import argparse
import hashlib
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

URL = "https://raw.githubusercontent.com/python/pythoncapi-compat/main/pythoncapi_compat.h"
SDIST_MEMBER = "multidict/_multilib/pythoncapi_compat.h"
DEST = pathlib.Path(__file__).resolve().parent.parent / "src" / "core" / "pythoncapi_compat.h"


def from_github():
    with urllib.request.urlopen(URL, timeout=30) as resp:
        return resp.read(), URL


def from_pypi():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "--dest", tmp, "multidict"], check=True)
        sdist = next(pathlib.Path(tmp).glob("multidict-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                if member.name.endswith("/" + SDIST_MEMBER):
                    return tar.extractfile(member).read(), "%s (%s)" % (sdist.name, member.name)
    raise SystemExit("no %s in the multidict sdist" % SDIST_MEMBER)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from-pypi", action="store_true",
                    help="take the file from multidict's sdist on PyPI instead of GitHub")
    args = ap.parse_args()
    data, source = from_pypi() if args.from_pypi else from_github()
    if b"#define PYTHONCAPI_COMPAT" not in data:
        raise SystemExit("%s does not look like pythoncapi_compat.h" % source)
    old = DEST.read_bytes() if DEST.exists() else b""
    DEST.write_bytes(data)
    print("%s <- %s" % (DEST, source))
    print("sha256 %s (%s)" % (hashlib.sha256(data).hexdigest(),
                              "unchanged" if data == old else "changed"))


if __name__ == "__main__":
    main()
