"""Print the application state machine as a Mermaid stateDiagram, read from the django-fsm transitions.

django-fsm-2's own ``graph_transitions`` needs the graphviz package; this needs nothing and renders on GitHub.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from applications.models import Application


def mermaid_state_diagram() -> str:
    field = Application._meta.get_field("state")
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    edges = []
    for transition in field.get_all_transitions(Application):
        edges.append((str(transition.source), str(transition.target), transition.name))
    for source, target, name in sorted(set(edges)):
        lines.append(f"    {source} --> {target}: {name}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the application state machine as a Mermaid stateDiagram (for README)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(mermaid_state_diagram())
