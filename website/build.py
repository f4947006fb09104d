"""Build the course's static site: ``python website/build.py`` (``make site``).

1. The JavaScript the pages need (MathJax 3, RequireJS, the ipywidgets HTML manager) is
   taken from the npm registry at the exact versions and sha512 hashes in
   ``website/vendor.json`` (``npm pack``, cached in ``build/site-cache/``) and served from
   the site's own ``_static/vendor/``: a page asks no other host for anything.
2. ``build/site-src/`` gets one page per ``notebooks/NN_*.ipynb`` (in chapter order) and
   an index. A notebook that the browser test saved after running it
   (``build/executed/NN_*.ipynb``, outputs and widget state) is used as it is when its
   cells equal the repository's; any other notebook is executed once by myst-nb.
3. Sphinx (myst-nb, sphinx-book-theme) writes ``build/site/``; ``website/test_site.py``
   then checks it in headless chromium (``make site`` runs both).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BUILD = REPO / "build"
CACHE = BUILD / "site-cache"
SRC = BUILD / "site-src"
SITE = BUILD / "site"
STATIC = BUILD / "site-static"        # html_static_path: copied into the site's _static/
EXECUTED = BUILD / "executed"
NOTEBOOKS = REPO / "notebooks"

# what each vendored package contributes: (folder inside the tarball, folder under _static/vendor)
VENDOR_FILES = {
    "mathjax": ("package/es5", "mathjax"),
    "requirejs": ("package", "requirejs"),
    "@jupyter-widgets/html-manager": ("package/dist", "html-manager"),
}


def _tarball_name(name: str, version: str) -> str:
    """The file name ``npm pack`` gives a package (``@a/b`` -> ``a-b-1.0.0.tgz``)."""
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _sri(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch_vendor(pins: dict) -> dict[str, Path]:
    """Each pinned npm package's tarball in CACHE, downloaded once, hash-checked always."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tarballs = {}
    for name, pin in pins.items():
        path = CACHE / _tarball_name(name, pin["version"])
        if not path.is_file():
            if shutil.which("npm") is None:
                sys.exit("make site needs npm to fetch the site's JavaScript once "
                         f"({name}@{pin['version']}): install it (apt-get install npm)")
            for attempt in range(3):
                out = subprocess.run(["npm", "pack", "--silent", f"{name}@{pin['version']}",
                                      "--pack-destination", str(CACHE)],
                                     capture_output=True, text=True)
                if out.returncode == 0 and path.is_file():
                    break
                time.sleep(2 * (attempt + 1))
            else:
                sys.exit(f"npm pack {name}@{pin['version']} failed:\n{out.stderr[-2000:]}")
        got = _sri(path)
        if got != pin["integrity"]:
            path.unlink()
            sys.exit(f"{path.name}: sha512 is {got}, website/vendor.json pins "
                     f"{pin['integrity']}: refusing it (deleted; run again to re-download)")
        tarballs[name] = path
    return tarballs


def unpack_vendor(tarballs: dict[str, Path], static: Path) -> None:
    for name, tarball in tarballs.items():
        inner, target = VENDOR_FILES[name]
        dest = static / "vendor" / target
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith(inner + "/")]
            for m in members:
                m.name = m.name[len(inner) + 1:]
            tar.extractall(dest, members=members, filter="data")


def _code_sources(nb) -> list[tuple[str, str]]:
    return [(c.get("id", ""), c.source) for c in nb.cells if c.cell_type == "code"]


def reusable(name: str) -> bool:
    """True if build/executed/NAME holds a full run of the repository's notebooks/NAME."""
    saved = EXECUTED / name
    if not saved.is_file():
        return False
    ran = nbformat.read(saved, as_version=4)
    if _code_sources(ran) != _code_sources(nbformat.read(NOTEBOOKS / name, as_version=4)):
        return False
    return all(c.get("execution_count") for c in ran.cells if c.cell_type == "code")


def title_of(path: Path) -> str:
    first = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]
    return first.lstrip("# ").strip()


def prepare_sources(reuse_runs: bool = True) -> dict:
    """Fill SRC with the pages; return the plan (which notebooks are executed)."""
    if SRC.exists():
        shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    names = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        sys.exit(f"no notebooks/NN_*.ipynb found in {NOTEBOOKS}")
    plan = {"reused": [], "executed": []}
    for name in names:
        reuse = reuse_runs and reusable(name)
        shutil.copyfile((EXECUTED if reuse else NOTEBOOKS) / name, SRC / name)
        plan["reused" if reuse else "executed"].append(name)
    chapters = "\n".join(Path(n).stem for n in names)
    (SRC / "index.md").write_text(f"""# Optimization for Machine Learning

The course's chapters, executed, with their plots, equations and explorers (the widgets
show the state the cells left; move them in JupyterLab: `make lab`). Use the search box
to find a term in every chapter.

```{{toctree}}
:maxdepth: 1
:caption: Chapters

{chapters}
```
""", encoding="utf-8")
    (SRC / "site_plan.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return plan


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python website/build.py", description=__doc__.split("\n")[0])
    p.add_argument("--jobs", default="1", help="sphinx-build -j (default 1)")
    p.add_argument("--execute", action="store_true",
                   help="execute every notebook, even those build/executed/ holds")
    args = p.parse_args(argv)
    start = time.perf_counter()
    pins = {k: v for k, v in json.loads((HERE / "vendor.json").read_text()).items()
            if not k.startswith("_")}
    tarballs = fetch_vendor(pins)
    plan = prepare_sources(reuse_runs=not args.execute)
    if STATIC.exists():
        shutil.rmtree(STATIC)
    unpack_vendor(tarballs, STATIC)
    print(f"site: reusing the browser test's run of {plan['reused'] or 'none'}; "
          f"executing {plan['executed'] or 'none'}", flush=True)
    if SITE.exists():
        shutil.rmtree(SITE)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
           "-j", args.jobs, "-c", str(HERE), "-d", str(BUILD / "site-doctrees"),
           str(SRC), str(SITE)]
    rc = subprocess.run(cmd, cwd=REPO).returncode
    if rc != 0:
        print(f"sphinx-build failed (exit {rc})", file=sys.stderr)
        return rc
    print(f"site: {SITE}/index.html written in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
