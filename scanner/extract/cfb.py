"""Writing a compound file (CFB version 3, [MS-CFB]): the smallest writer that olefile and
Office's own readers accept. Used to re-wrap an object embedded in a legacy document (a
storage inside the .doc) as a file of its own, so it is sniffed and read like one; no
maintained Python library writes compound files.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

_CFB_FREE, _CFB_END, _CFB_FAT, _CFB_NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_CFB_SECTOR, _CFB_MINI, _CFB_CUTOFF = 512, 64, 4096


def cfb_bytes(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding ``streams`` by path ("storage/stream"); the storages on the
    way are made. Small streams go to the mini stream; each storage's children form a
    balanced tree sorted as the format asks (by name length, then upper case)."""
    names, kinds, parent_of, data_of = ["Root Entry"], [5], [-1], [b""]
    index: dict[str, int] = {"": 0}
    for path, data in streams.items():
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in index:
                index[key] = len(names)
                names.append(parts[depth - 1])
                kinds.append(2 if depth == len(parts) else 1)
                parent_of.append(index["/".join(parts[: depth - 1])])
                data_of.append(data if depth == len(parts) else b"")
    mini = bytearray()
    mini_chains: list[int] = []
    big: list[tuple[int, bytes]] = []  # (entry, data) placed in regular sectors
    starts, sizes = [_CFB_END] * len(names), [0] * len(names)
    for i, data in enumerate(data_of):
        if kinds[i] != 2:
            continue
        sizes[i] = len(data)
        if not data:
            continue
        if len(data) < _CFB_CUTOFF:
            starts[i] = len(mini) // _CFB_MINI
            count = -(-len(data) // _CFB_MINI)
            mini_chains += [starts[i] + k + 1 for k in range(count - 1)] + [_CFB_END]
            mini += data.ljust(count * _CFB_MINI, b"\0")
        else:
            big.append((i, data))

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // _CFB_SECTOR)

    n_dir = sectors(len(names) * 128)
    n_minifat = sectors(len(mini_chains) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(len(d)) for _, d in big)
    n_fat = 1
    while n_fat * 128 < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    fat = [_CFB_FAT] * n_fat
    chunks: list[bytes] = []

    def place(data: bytes) -> int:
        if not data:
            return _CFB_END
        first, count = len(fat), sectors(len(data))
        fat.extend([first + k + 1 for k in range(count - 1)] + [_CFB_END])
        chunks.append(data.ljust(count * _CFB_SECTOR, b"\0"))
        return first

    dir_at = len(fat)
    fat.extend([dir_at + k + 1 for k in range(n_dir - 1)] + [_CFB_END])  # directory: written last
    minifat_at = place(b"".join(struct.pack("<I", c) for c in mini_chains))
    starts[0], sizes[0] = place(bytes(mini)), len(mini)
    for i, data in big:
        starts[i] = place(data)
    fat.extend([_CFB_FREE] * (n_fat * 128 - len(fat)))

    def order(i: int) -> tuple[int, str]:  # siblings compare by name length, then upper case
        return len(names[i]), names[i].upper()

    left, right, child = [_CFB_NONE] * len(names), [_CFB_NONE] * len(names), [_CFB_NONE] * len(names)

    def tree(members: list[int]) -> int:  # a balanced search tree of siblings
        if not members:
            return _CFB_NONE
        mid = len(members) // 2
        left[members[mid]], right[members[mid]] = tree(members[:mid]), tree(members[mid + 1 :])
        return members[mid]

    for p in range(len(names)):
        child[p] = tree(sorted([i for i in range(len(names)) if parent_of[i] == p], key=order))
    directory = b"".join(
        (names[i].encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
        + struct.pack("<HBBIII", (len(names[i]) + 1) * 2, kinds[i], 1, left[i], right[i], child[i])
        + bytes(16 + 4 + 16) + struct.pack("<IQ", starts[i], sizes[i])
        for i in range(len(names)))
    directory = directory.ljust(n_dir * _CFB_SECTOR, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_at, 0, _CFB_CUTOFF,
                            minifat_at if mini_chains else _CFB_END, n_minifat, _CFB_END, 0)
              + b"".join(struct.pack("<I", s) for s in range(n_fat)) + struct.pack("<I", _CFB_FREE) * (109 - n_fat))
    fat_bytes = b"".join(struct.pack("<I", entry) for entry in fat)
    return header + fat_bytes + directory + b"".join(chunks)
