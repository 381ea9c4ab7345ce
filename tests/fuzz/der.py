"""A minimal DER reader and writer, to mutate certificates and CRLs structurally.

Byte flips mostly break the outer length and are refused at once; changing the tree and
re-encoding every length reaches the checks behind the parser: a duplicated extension, a version
that does not exist, a subject attribute of an unexpected type, a date out of range.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    tag: int
    content: bytes = b""
    children: list[Node] = field(default_factory=list)

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def _length(data: bytes, offset: int) -> tuple[int, int]:
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    size = first & 0x7F
    return int.from_bytes(data[offset + 1 : offset + 1 + size], "big"), offset + 1 + size


def _parse(data: bytes, offset: int, end: int) -> list[Node]:
    nodes = []
    while offset < end:
        tag = data[offset]
        length, start = _length(data, offset + 1)
        stop = start + length
        content = data[start:stop]
        node = Node(tag, content)
        # BIT STRINGs and OCTET STRINGs wrapping DER (keys, extension values) stay opaque.
        if node.constructed:
            node.children = _parse(data, start, stop)
        nodes.append(node)
        offset = stop
    return nodes


def parse(data: bytes) -> Node:
    (root,) = _parse(data, 0, len(data))
    return root


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(node: Node) -> bytes:
    content = b"".join(encode(c) for c in node.children) if node.constructed else node.content
    return bytes([node.tag]) + _encode_length(len(content)) + content


def walk(node: Node, parent: Node | None = None) -> list[tuple[Node, Node | None]]:
    """Every node with its parent, depth first."""
    found = [(node, parent)]
    for child in node.children:
        found += walk(child, node)
    return found
