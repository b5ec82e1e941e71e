"""Maps whose text is hostile to DOT, SVG and Mermaid syntax."""

from __future__ import annotations

from tracegraph.render.model import MapCluster, MapEdge, MapGhost, MapModel, MapNode
from tracegraph.render.style import Phase

#: Every character the issue names, plus entity-lookalikes and control characters.
HOSTILE = 'Say "hi" <b>bold</b> \\ back\\ {x|y} [z] &amp; &#1; `tick` #quot; end\nnext\tline\\'


def hostile_model() -> MapModel:
    """A model built directly, so titles and paths can hold what Markdown headings cannot."""
    nodes = (
        MapNode(
            key='docs/a "q" <x>.md',
            name='docs/a "q" <x>.md',
            title=HOSTILE,
            type="RFC",
            status="draft",
            phase=Phase.EARLY,
            slug="node-docs-a-q-x-md",
            href="docs/a%20%22q%22%20%3Cx%3E.md",
            cluster="RFC",
            error=True,
        ),
        MapNode(
            key="docs/end.md",
            name="end",
            title="\\",
            type="SPEC",
            status="",
            phase=Phase.NONE,
            slug="node-end",
            href=None,
            cluster="SPEC",
            orphan=True,
        ),
    )
    ghost = MapGhost(
        key="missing:" + HOSTILE, target=HOSTILE, reason="missing", slug="ghost-hostile"
    )
    edges = (
        MapEdge('docs/a "q" <x>.md', "docs/end.md", "implements", ("implements",), 1, "edge-1"),
        MapEdge('docs/a "q" <x>.md', ghost.key, "references", ("references",), 1, "edge-2", True),
    )
    clusters = (
        MapCluster("RFC", "RFC", "cluster-rfc", ('docs/a "q" <x>.md',)),
        MapCluster("SPEC", "SPEC", "cluster-spec", ("docs/end.md",)),
    )
    return MapModel(
        title=HOSTILE,
        nodes=nodes,
        edges=edges,
        ghosts=(ghost,),
        clusters=clusters,
        cluster_mode="type",
        types=("RFC", "SPEC"),
        focus=None,
    )
