#!/usr/bin/env python3
"""Writes the update manifest (Tauri's static format) for a signed `make dist`:

  python3 tools/update_manifest.py BUNDLE_DIR BASE_URL [NOTES] > latest.json

BUNDLE_DIR is target/release/bundle; BASE_URL is where the installers will be downloaded from
(https). Each Linux installer with a `.sig` beside it becomes a platform entry: the AppImage as
`linux-x86_64-appimage` (and `linux-x86_64`, for a build that cannot tell how it was installed),
the .deb as `linux-x86_64-deb`, the .rpm as `linux-x86_64-rpm`.
"""
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manifest(bundle: Path, base_url: str, notes: str) -> dict:
    version = json.loads((ROOT / "tauri.conf.json").read_text())["version"]
    platforms = {}
    for pattern, keys in [("appimage/*.AppImage", ["linux-x86_64-appimage", "linux-x86_64"]),
                          ("deb/*.deb", ["linux-x86_64-deb"]), ("rpm/*.rpm", ["linux-x86_64-rpm"])]:
        for installer in sorted(bundle.glob(pattern)):
            signature = installer.with_name(installer.name + ".sig")
            if not signature.exists():
                continue
            for key in keys:
                platforms[key] = {"url": f"{base_url.rstrip('/')}/{installer.name}", "signature": signature.read_text().strip()}
    if not platforms:
        raise SystemExit(f"no signed installers in {bundle}: build with TAURI_SIGNING_PRIVATE_KEY set")
    if not base_url.startswith("https://"):
        raise SystemExit("BASE_URL must be an https:// address")
    return {
        "version": version,
        "notes": notes,
        "pub_date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platforms": platforms,
    }


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    print(json.dumps(manifest(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else ""), indent=2))
