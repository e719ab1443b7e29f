#!/usr/bin/env python3
"""A minimal MaxMind DB writer (format: maxmind.github.io/MaxMind-DB), for
tests that need a country or ASN database of their own, and for
scripts/geo.sh, which turns the ip-location-db ASN CSV into an MMDB.
IPv6 tree (IPv4 under ::/96), 32-bit records. Standard library only.

    write_mmdb(path, "Test-Country", [("192.0.2.0/24", {"country": {"iso_code": "BE"}})])
"""

import ipaddress
import struct
import time


def _ctrl(type_, size):
    out = b""
    if type_ <= 7:
        first = type_ << 5
    else:
        first = 0
        ext = type_ - 7
    if size < 29:
        first |= size
        tail = b""
    elif size < 29 + 256:
        first |= 29
        tail = bytes([size - 29])
    elif size < 285 + 65536:
        first |= 30
        tail = struct.pack(">H", size - 285)
    else:
        first |= 31
        tail = struct.pack(">I", size - 65821)[1:]
    out = bytes([first])
    if type_ > 7:
        out += bytes([ext])
    return out + tail


class U16(int):
    pass


class U32(int):
    pass


class U64(int):
    pass


def encode(v):
    if isinstance(v, U16):
        b = int(v).to_bytes(2, "big").lstrip(b"\0")
        return _ctrl(5, len(b)) + b
    if isinstance(v, U32):
        b = int(v).to_bytes(4, "big").lstrip(b"\0")
        return _ctrl(6, len(b)) + b
    if isinstance(v, U64):
        b = int(v).to_bytes(8, "big").lstrip(b"\0")
        return _ctrl(9, len(b)) + b
    if isinstance(v, bool):
        return _ctrl(14, 1 if v else 0)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _ctrl(2, len(b)) + b
    if isinstance(v, int):
        if v < 0:
            raise ValueError("negative")
        if v < 1 << 16:
            b = v.to_bytes(2, "big").lstrip(b"\0")
            return _ctrl(5, len(b)) + b
        if v < 1 << 32:
            b = v.to_bytes(4, "big").lstrip(b"\0")
            return _ctrl(6, len(b)) + b
        b = v.to_bytes(8, "big").lstrip(b"\0")
        return _ctrl(9, len(b)) + b
    if isinstance(v, dict):
        out = _ctrl(7, len(v))
        for k, x in v.items():
            out += encode(str(k)) + encode(x)
        return out
    if isinstance(v, (list, tuple)):
        out = _ctrl(11, len(v))
        for x in v:
            out += encode(x)
        return out
    raise TypeError(type(v))


def write_mmdb(path, database_type, networks, description="test database"):
    """networks: [(cidr, record dict)]; more specific networks win."""
    # the tree: nodes of [left, right]; values: ("node", i) / ("data", off) / None
    nodes = [[None, None]]
    data = b""
    offsets = {}
    nets = []
    for cidr, rec in networks:
        net = ipaddress.ip_network(cidr, strict=False)
        if net.version == 4:
            bits = 96 + net.prefixlen
            addr = int(net.network_address)
        else:
            bits = net.prefixlen
            addr = int(net.network_address)
        nets.append((bits, addr, rec))
    nets.sort(key=lambda x: x[0])  # shorter prefixes first, so longer ones override
    for bits, addr, rec in nets:
        key = repr(sorted(rec.items())) if isinstance(rec, dict) else repr(rec)
        if key not in offsets:
            offsets[key] = len(data)
            data += encode(rec)
        val = ("data", offsets[key])
        node = 0
        for i in range(bits):
            bit = (addr >> (127 - i)) & 1
            if i == bits - 1:
                _set_subtree(nodes, node, bit, val)
                break
            nxt = nodes[node][bit]
            if nxt is None or nxt[0] == "data":
                nodes.append([nxt, nxt])
                nodes[node][bit] = ("node", len(nodes) - 1)
                nxt = nodes[node][bit]
            node = nxt[1]
    n = len(nodes)
    tree = b""
    for left, right in nodes:
        for v in (left, right):
            if v is None:
                rec = n
            elif v[0] == "node":
                rec = v[1]
            else:
                rec = n + 16 + v[1]
            tree += struct.pack(">I", rec)
    meta = {
        "node_count": U32(n), "record_size": U16(32), "ip_version": U16(6),
        "database_type": database_type, "languages": ["en"],
        "binary_format_major_version": U16(2), "binary_format_minor_version": U16(0),
        "build_epoch": U64(int(time.time())), "description": {"en": description},
    }
    with open(path, "wb") as f:
        f.write(tree + b"\0" * 16 + data + b"\xab\xcd\xefMaxMind.com" + encode(meta))


def _set_subtree(nodes, node, bit, val):
    """Sets the record and everything more specific below it."""
    cur = nodes[node][bit]
    if cur is not None and cur[0] == "node":
        stack = [cur[1]]
        while stack:
            k = stack.pop()
            for b in (0, 1):
                c = nodes[k][b]
                if c is not None and c[0] == "node":
                    stack.append(c[1])
                else:
                    nodes[k][b] = val
    else:
        nodes[node][bit] = val
