"""Checks of a flow's node graph: every link goes somewhere, every node is reachable, menus stay shallow."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.ivr.schema import Flow

OPERATOR = ""  # a link to the flow's defaults.operator node
IMPLICIT_ZERO = "key 0"  # a menu without a 0 option sends 0 to the operator, when the flow has one
MENU_TYPES = ("menu",)  # what counts as a menu level; the district question does not


def links(flow: Flow, node_id: str) -> dict[str, str]:
    """Label -> node id of every node `node_id` may go to, with the operator resolved."""
    operator = flow.defaults.operator
    resolved: dict[str, str] = {}
    for label, target in flow.nodes[node_id].links().items():
        if target != OPERATOR:
            resolved[label] = target
        elif operator is not None:
            resolved[label] = operator
    return resolved


def check_graph(flow: Flow) -> None:
    """Raise ValueError naming the node and the problem when the graph is not sound."""
    nodes = flow.nodes
    if flow.start not in nodes:
        raise ValueError(f"start node {flow.start!r} is not defined")
    operator = flow.defaults.operator
    if operator is not None and operator not in nodes:
        raise ValueError(f"defaults: operator {operator!r} is not a node")
    for node_id, node in nodes.items():
        for label, target in node.links().items():
            if target == OPERATOR and operator is None and label != IMPLICIT_ZERO:
                raise ValueError(f"node {node_id!r}: {label} needs a node (no defaults.operator is set)")
            if target != OPERATOR and target not in nodes:
                raise ValueError(f"node {node_id!r}: {label} goes to unknown node {target!r}")
    depths = menu_depths(flow)
    for node_id in nodes:
        if node_id not in depths:
            raise ValueError(f"node {node_id!r} is not reachable from start node {flow.start!r}")
    deepest = max(depths, key=lambda n: depths[n])
    if depths[deepest] > flow.max_menu_depth:
        raise ValueError(
            f"node {deepest!r}: menus are {depths[deepest]} levels deep there, "
            f"more than max_menu_depth {flow.max_menu_depth}"
        )


def menu_depths(flow: Flow) -> dict[str, int]:
    """For every node reachable from start: the fewest menus a caller passes to reach it (itself included)."""

    def cost(node_id: str) -> int:
        return 1 if flow.nodes[node_id].type in MENU_TYPES else 0

    depths = {flow.start: cost(flow.start)}
    heap = [(depths[flow.start], flow.start)]
    while heap:
        depth, node_id = heapq.heappop(heap)
        if depth > depths[node_id]:
            continue
        for target in links(flow, node_id).values():
            if target not in flow.nodes:
                continue
            through = depth + cost(target)
            if through < depths.get(target, through + 1):
                depths[target] = through
                heapq.heappush(heap, (through, target))
    return depths


def menu_depth(flow: Flow) -> int:
    """How many menu levels deep the flow goes (language menu + service menus)."""
    return max(menu_depths(flow).values())
