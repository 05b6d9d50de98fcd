"""The report as a self-contained HTML page, and printed to PDF by headless Chromium."""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import markdown

from study.errors import BrokenTool
from study.report.markdown import TITLE, anchor

PDF_TIMEOUT = 300  # seconds


def _inline_images(html: str, folder: Path, kind: str) -> str:
    """Every figure inlined, so the page stands alone: PNG for the screen, SVG (vector) for print."""
    mime = {"png": "image/png", "svg": "image/svg+xml"}[kind]

    def repl(m):
        path = (folder / f"{m.group(1)}.{kind}").resolve()
        return f'src="data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"'

    return re.sub(r'src="([^"]+)\.png"', repl, html)


# The original sentences are Chinese: a CJK font (Debian's fonts-noto-cjk) comes first for them.
CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei"'


STYLE = f"""body{{font-family:"Noto Sans", "DejaVu Sans", system-ui, sans-serif, {CJK_FONTS};max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5}}:lang(zh){{font-family:{CJK_FONTS}, sans-serif}}
table{{border-collapse:collapse;margin:1rem 0;font-size:.8rem}}td,th{{border:1px solid #ccc;padding:.2rem .35rem}}
img{{max-width:100%}}pre{{overflow-x:auto}}@media screen{{table{{display:block;overflow-x:auto}}}}blockquote{{color:#555;border-left:3px solid #ccc;margin-left:0;padding-left:1rem}}
code{{background:#f4f4f4}}
@page{{size:A4;margin:16mm 14mm}}
@media print{{body{{max-width:none;margin:0;padding:0;font-size:9.5pt;line-height:1.35}}table{{font-size:7.5pt}}
img{{break-inside:avoid}}h1,h2,h3{{break-after:avoid}}p:has(> img){{break-inside:avoid}}}}"""


def render_html(md_text: str, folder: Path, images: str = "png") -> str:
    body = markdown.markdown(
        md_text, extensions=["tables", "fenced_code", "toc"], extension_configs={"toc": {"slugify": anchor}}
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
        f"<style>{STYLE}</style></head><body>\n{_inline_images(breakable(short_ids(body)), folder, images)}\n</body></html>\n"
    )


def breakable(body: str) -> str:
    """Plain table cells may break after an underscore or a plus (glorot_uniform, forward+backward): the widest
    tables then fit the page instead of scrolling, and no word is cut elsewhere."""
    return re.sub(
        r"<(td|th)( [^>]*)?>([^<]*)</\1>",
        lambda m: f"<{m[1]}{m[2] or ''}>" + m[3].replace("_", "_<wbr>").replace("+", "+<wbr>") + f"</{m[1]}>",
        body,
    )


LONGEST_ID = 60  # a PDF name may be 127 bytes; Chromium writes each heading's id as one, with a prefix


def short_ids(body: str) -> str:
    """Headings' ids cut to LONGEST_ID characters (kept unique), and the links to them with them: the
    report.md anchors follow GitHub's rule, whole headings, which would overrun the PDF's names."""
    taken, renamed = set(), {}
    for old in re.findall(r' id="([^"]+)"', body):
        new, n = old[:LONGEST_ID].rstrip("-"), 1
        while new in taken:
            n += 1
            new = f"{old[: LONGEST_ID - 3].rstrip('-')}-{n}"
        taken.add(new)
        if new != old:
            renamed[old] = new
    for old, new in renamed.items():
        body = body.replace(f' id="{old}"', f' id="{new}"').replace(f'href="#{old}"', f'href="#{new}"')
    return body


def chromium() -> str | None:
    """Headless Chromium for the PDF: $CHROMIUM, else the first of the usual names on PATH."""
    given = os.environ.get("CHROMIUM")
    if given:
        return given
    return next(
        (path for name in ("chromium", "chromium-browser", "google-chrome", "chrome") if (path := shutil.which(name))),
        None,
    )


def render_pdf(html: str, browser: str) -> bytes:
    """The print rendering of the page (figures as SVG, so vector in the PDF), by headless Chromium. Chromium
    runs in a process group of its own, ended with all its helpers however this ends; its folder goes too."""
    with tempfile.TemporaryDirectory(prefix="study-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp}/profile",
                 "--no-pdf-header-footer", f"--print-to-pdf={pdf}"]  # fmt: skip
        try:
            proc = subprocess.Popen([browser, *flags, page.as_uri()], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
        except OSError as exc:
            raise BrokenTool(f"cannot start {browser} to print report.pdf ({exc.strerror or exc})") from None
        try:
            _, err = proc.communicate(timeout=PDF_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise BrokenTool(f"{browser} made no PDF within {PDF_TIMEOUT} s; nothing was written") from None
        finally:
            _end_group(proc)
        if not pdf.exists() or pdf.stat().st_size == 0:
            last = (err or "").strip().splitlines()[-1:] or ["no message"]
            raise BrokenTool(
                f"{browser} made no PDF (exit {proc.returncode}: {last[0][:200]}); nothing was written (unset "
                "CHROMIUM, or set it to a working Chrome or Chromium)"
            )
        return pdf.read_bytes()


def _end_group(proc):
    """Chromium and every helper process it started: ended."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
