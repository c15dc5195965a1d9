"""An answer as GraphML, for i2 Analyst's Notebook, Gephi or Maltego (networkx writes it)."""

from __future__ import annotations

import networkx as nx

from .service import NetworkAnswer


def graphml(answer: NetworkAnswer) -> str:
    g = nx.Graph()
    for node in answer.nodes:
        attrs: dict[str, str | int | bool] = {"kind": node.kind.value, "value": node.value}
        attrs["hop"] = node.hop
        for key in ("label", "source", "record_kind", "profile_id"):
            value = getattr(node, key)
            if value is not None:
                attrs[key] = value
        if node.suppressed is not None:
            attrs["suppressed"] = node.suppressed.reason
            attrs["holders"] = node.suppressed.holders
        g.add_node(node.id, **attrs)
    for edge in answer.edges:
        g.add_edge(
            edge.record_node,
            edge.node,
            relation=edge.relation,
            record_id=edge.record_id,
            source=edge.source.value,
            at=edge.at.isoformat(),
        )
    return "\n".join(nx.generate_graphml(g)) + "\n"
