#!/usr/bin/env python3
"""Draws PosBridge's icons (app icon and tray states) as RGBA PNGs with the standard library only,
and packs them the way each installer wants them: PNGs at every freedesktop size (Linux), a .ico
(Windows: PNG-compressed entries, Vista and later) and a .icns (macOS: PNG entries).

A rounded square with a white bridge: two pillars and an arch, the till on one bank and the
books on the other. The tray variants differ in colour: ok (teal), syncing (blue), attention
(amber). Run from the repository root: python3 tools/make_icons.py
"""
import math
import struct
import zlib
from pathlib import Path

COLOURS = {
    "ok": (17, 122, 118),
    "syncing": (37, 99, 235),
    "attention": (217, 119, 6),
}


def png(size, pixels):
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def coverage(size, x, y, inside, samples=4):
    """Anti-aliased coverage of pixel (x, y) by the shape `inside(u, v)` in unit coordinates."""
    hits = 0
    for i in range(samples):
        for j in range(samples):
            u = (x + (i + 0.5) / samples) / size
            v = (y + (j + 0.5) / samples) / size
            hits += inside(u, v)
    return hits / (samples * samples)


def rounded_square(u, v, radius=0.22):
    cx = min(max(u, radius), 1 - radius)
    cy = min(max(v, radius), 1 - radius)
    return (u - cx) ** 2 + (v - cy) ** 2 <= radius ** 2


def bridge(u, v):
    deck = 0.56 <= v <= 0.63 and 0.14 <= u <= 0.86
    left_pillar = 0.24 <= u <= 0.32 and 0.30 <= v <= 0.80
    right_pillar = 0.68 <= u <= 0.76 and 0.30 <= v <= 0.80
    r = math.hypot(u - 0.5, (v - 0.62) * 1.15)
    arch = 0.30 <= r <= 0.36 and v <= 0.62
    return deck or left_pillar or right_pillar or arch


def icon(size, colour):
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            base = coverage(size, x, y, rounded_square)
            mark = coverage(size, x, y, bridge)
            r, g, b = colour
            r = round(r + (255 - r) * mark)
            g = round(g + (255 - g) * mark)
            b = round(b + (255 - b) * mark)
            row += [r, g, b, round(255 * base)]
        rows.append(row)
    return png(size, rows)


# The app icon's PNGs: the hicolor theme's usual sizes (the Linux bundler installs each under
# usr/share/icons/hicolor/<size>/apps), the @2x one for HiDPI, and icon.png for the AppImage.
APP_PNGS = [
    (16, "16x16.png"),
    (24, "24x24.png"),
    (32, "32x32.png"),
    (48, "48x48.png"),
    (64, "64x64.png"),
    (128, "128x128.png"),
    (256, "128x128@2x.png"),
    (256, "256x256.png"),
    (512, "icon.png"),
]
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
# OSType of each PNG entry of an .icns (Apple's icon family format), by pixel size.
ICNS_TYPES = [(b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024)]


def ico(images):
    """A .ico whose entries are PNGs (`images`: size -> PNG bytes); 256 is written as 0."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, body in images.items():
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(body), offset + len(data))
        data += body
    return header + entries + data


def icns(images):
    """An .icns of PNG entries (`images`: OSType -> PNG bytes)."""
    body = b"".join(kind + struct.pack(">I", 8 + len(png_bytes)) + png_bytes for kind, png_bytes in images.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main():
    out = Path("icons")
    out.mkdir(exist_ok=True)
    drawn = {}

    def app_icon(size):
        if size not in drawn:
            drawn[size] = icon(size, COLOURS["ok"])
        return drawn[size]

    for size, name in APP_PNGS:
        (out / name).write_bytes(app_icon(size))
    (out / "icon.ico").write_bytes(ico({size: app_icon(size) for size in ICO_SIZES}))
    (out / "icon.icns").write_bytes(icns({kind: app_icon(size) for kind, size in ICNS_TYPES}))
    for state, colour in COLOURS.items():
        (out / f"tray-{state}.png").write_bytes(icon(64, colour))


if __name__ == "__main__":
    main()
