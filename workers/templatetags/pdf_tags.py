"""Template tags for PDF templates."""

from django import template

from workers.pdf import static_file_uri

register = template.Library()


@register.simple_tag
def pdf_static(path: str) -> str:
    """The file:// URI of a static file, the only kind of file the PDF fetcher reads."""
    return static_file_uri(path)
