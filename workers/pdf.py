"""PDF rendering with WeasyPrint, allowed to read nothing but data: URLs and the project's own static files.

WeasyPrint's default fetcher opens any file:// path and any network address (and follows redirects), so a
template that echoed a user-supplied URL could read /etc/passwd or reach internal services. The fetcher here
refuses all of that. WeasyPrint is imported inside the functions, so web processes never load it.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


class ResourceRefused(ValueError):
    """A PDF template asked for something outside data: URLs and the project's static files."""


def static_roots() -> list[Path]:
    """The folders a PDF may read from: the project's static folders (and collected static files)."""
    roots = []
    for entry in settings.STATICFILES_DIRS:
        path = entry[1] if isinstance(entry, (tuple, list)) else entry
        roots.append(Path(path).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_file_uri(path: str) -> str:
    """The file:// URI of a static file (for @font-face and images in PDF templates)."""
    found = finders.find(path)
    if not found:
        raise ResourceRefused(f"no static file {path!r}")
    return Path(found).resolve().as_uri()


def _allowed_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ResourceRefused(f"refused file URL on host {parts.netloc!r}")
    # resolve() follows symlinks and "..", so a link or a relative path cannot step out of the roots.
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in static_roots()):
        raise ResourceRefused(f"refused file outside the static folders: {url!r}")
    if not path.is_file():
        raise ResourceRefused(f"no such static file: {url!r}")
    return path


def restricted_url_fetcher(url: str, timeout: int = 10, ssl_context: Any = None, **kwargs: Any) -> dict:
    """WeasyPrint url_fetcher: data: URLs and files under the static folders; everything else raises."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        from weasyprint.urls import default_url_fetcher  # data: URLs are decoded locally, no I/O

        return default_url_fetcher(url, timeout=timeout)
    if scheme == "file":
        path = _allowed_path(url)
        mime_type, _encoding = mimetypes.guess_type(path.name)
        return {"string": path.read_bytes(), "mime_type": mime_type, "redirected_url": path.as_uri()}
    logger.warning("pdf.resource_refused scheme=%s", scheme or "-")
    raise ResourceRefused(f"refused URL scheme {scheme!r}")


def letterhead_context() -> dict[str, Any]:
    """What every PDF's letterhead shows (templates/pdf/base.html)."""
    return {
        "office_name": settings.OFFICE_NAME,
        "office_phone": settings.OFFICE_INFO_PHONE,
        "office_email": settings.OFFICE_EMAIL,
        "office_address": settings.OFFICE_ADDRESS,
    }


def render_pdf(
    *, template_name: str, context: dict[str, Any], languages: Sequence[str] | None = None
) -> bytes:
    """Render ``templates/pdf/<template_name>`` (a Django template) to PDF bytes.

    ``languages``: render the document once in each of these languages, one after the other in one file (an
    official document in Latvian and in the reader's language); by default once, in the active language.
    """
    name = template_name if template_name.startswith("pdf/") else f"pdf/{template_name}"
    if not languages:
        return html_to_pdf(render_to_string(name, {**letterhead_context(), **context}))
    htmls = []
    for language in dict.fromkeys(languages):  # each language once, in the order given
        with translation.override(language):
            htmls.append(render_to_string(name, {**letterhead_context(), **context}))
    return html_to_pdf(*htmls)


def html_to_pdf(*htmls: str) -> bytes:
    """PDF bytes of one or more HTML documents, one after the other in one file, fetching nothing but data:
    URLs and the project's static files."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    base_url = static_roots()[0].as_uri() + "/"
    documents = [
        HTML(string=html, base_url=base_url, url_fetcher=restricted_url_fetcher).render(
            font_config=font_config
        )
        for html in htmls
    ]
    if len(documents) == 1:
        return documents[0].write_pdf()
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
