#!/usr/bin/env python3
"""Writes the build-time configuration that `make dist` merges into tauri.conf.json.

tauri.conf.json lives at the repository root (the design card's layout) and its paths are
relative to the root, which is how the app's `generate_context!` reads them. The Tauri CLI reads
the same file through src-tauri/ and resolves paths against src-tauri/ instead. So the paths the
CLI needs (web assets, icons, desktop template, licence, the files shipped in the .deb/.rpm) are
handed to it here as absolute paths; both readers agree on an absolute path.

The same file carries what only a release build knows, from the environment:
  POSBRIDGE_UPDATER_PUBKEY   the updater's public key (`tauri signer generate` prints it); without
                             it the build has no updater and never looks for updates
  POSBRIDGE_UPDATE_ENDPOINT  where the update manifest is (https; may use {{target}}, {{arch}},
                             {{current_version}}, {{bundle_type}})
  TAURI_SIGNING_PRIVATE_KEY  (read by the Tauri CLI) with it, the bundler also signs the
                             installers for the updater (.sig next to each)

  python3 tools/dist_config.py OUT.json [TARGET_DIR]
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def absolute(path: str) -> str:
    return str((ROOT / path).resolve())


def dist_config(config: dict, target_dir: Path, env: dict) -> dict:
    bundle = config["bundle"]
    linux = bundle["linux"]
    out = {
        "build": {"frontendDist": absolute(config["build"]["frontendDist"])},
        "bundle": {
            "icon": [absolute(icon) for icon in bundle["icon"]],
            "licenseFile": absolute(bundle["licenseFile"]),
            "linux": {},
        },
    }
    for kind in ("deb", "rpm"):
        package = linux[kind]
        files = {}
        for destination, source in package["files"].items():
            # The CLI binary comes from the same cargo target dir as the app.
            if source.startswith("target/"):
                files[destination] = str(target_dir / source.removeprefix("target/"))
            else:
                files[destination] = absolute(source)
        out["bundle"]["linux"][kind] = {
            "desktopTemplate": absolute(package["desktopTemplate"]),
            "files": files,
        }

    pubkey = env.get("POSBRIDGE_UPDATER_PUBKEY", "").strip()
    endpoint = env.get("POSBRIDGE_UPDATE_ENDPOINT", "").strip()
    if bool(pubkey) != bool(endpoint):
        raise SystemExit("POSBRIDGE_UPDATER_PUBKEY and POSBRIDGE_UPDATE_ENDPOINT go together: set both or neither")
    if pubkey:
        if not endpoint.startswith("https://"):
            raise SystemExit("POSBRIDGE_UPDATE_ENDPOINT must be an https:// address")
        out["plugins"] = {"updater": {"pubkey": pubkey, "endpoints": [endpoint]}}
    if env.get("TAURI_SIGNING_PRIVATE_KEY"):
        out["bundle"]["createUpdaterArtifacts"] = True
    return out


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    target_dir = Path(sys.argv[2]).resolve() if len(sys.argv) == 3 else ROOT / "target"
    config = json.loads((ROOT / "tauri.conf.json").read_text())
    out = Path(sys.argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dist_config(config, target_dir, dict(os.environ)), indent=2) + "\n")


if __name__ == "__main__":
    main()
