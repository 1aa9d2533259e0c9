#!/usr/bin/env python3
"""Builds PosBridge's AppImage from the .deb that Tauri's bundler made, without linuxdeploy.

Tauri's own AppImage step downloads linuxdeploy, its AppRun and its plugins from GitHub, which
our machines cannot reach. This does the same job from Debian's packages and one crates.io
package:

  1. the AppDir: the .deb's usr/ (the app, its desktop entry and icons), WebKitGTK's helper
     processes, and every shared library they need except the host's base system (the
     `EXCLUDED` list, after AppImage's own excludelist: glibc, the C++ runtime, graphics
     drivers, X11, fonts and a few more), with an RPATH ($ORIGIN) so that nothing leaks into
     the programs PosBridge starts (the browser of the Visma sign-in);
  2. what GTK loads at run time (gdk-pixbuf loaders, GIO modules, GSettings schemas), as
     linuxdeploy-plugin-gtk (shipped inside Tauri's bundler) does, with the same binary patch of
     libwebkit2gtk's "/usr" into "././" so that WebKit finds its helper processes in the AppDir
     (AppRun starts the app in usr/);
  3. the AppImage: the AppImage runtime (AppImageKit's type 2 runtime, as the `appimage` crate
     on crates.io carries it; fetched with cargo, checked against the checksum below, never
     committed) followed by the AppDir as a SquashFS image (Debian's squashfs-tools).

The runtime mounts the image with FUSE (libfuse2 on the host) or, with
APPIMAGE_EXTRACT_AND_RUN=1 or where FUSE is missing, runs it extracted to a temporary directory.

  python3 tools/build_appimage.py DEB OUT.AppImage [--target-dir DIR]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The runtime comes from this crates.io package (AppImageKit's runtime, MIT); tools/appimage-runtime
# is a manifest that only exists to let cargo fetch it.
RUNTIME_CRATE = "appimage"
RUNTIME_SHA256 = "328e0d745c5c6817048c27bc3e8314871703f8f47ffa81a37cb06cd95a94b323"
MULTIARCH = "x86_64-linux-gnu"
LIB = f"/usr/lib/{MULTIARCH}"

# The host's base system, never bundled: a library from another distribution's build of these
# breaks more than it fixes (glibc must match the dynamic loader, GL must match the driver).
EXCLUDED = re.compile(
    r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libmvec|libnsl|"
    r"libBrokenLocale|libcidn|libthread_db|libnss_.*|libstdc\+\+|libgcc_s|"
    r"libGL|libGLX|libGLdispatch|libOpenGL|libEGL|libGLESv2|libglapi|libdrm|libgbm|"
    r"libX11|libX11-xcb|libxcb|libxcb-.*|libICE|libSM|libxshmfence|"
    r"libfontconfig|libfreetype|libharfbuzz|libexpat|libz|libcom_err|libgpg-error|"
    r"libasound|libjack|libusb-1\.0|libuuid|libp11-kit|libthai|libcrypt|libgmp|libffi|"
    r"libwayland-client|libwayland-cursor|libwayland-egl|libwayland-server)\.so(\..*)?$"
)

WEBKIT_HELPERS = [
    f"{LIB}/webkit2gtk-4.1/WebKitNetworkProcess",
    f"{LIB}/webkit2gtk-4.1/WebKitWebProcess",
    f"{LIB}/webkit2gtk-4.1/injected-bundle/libwebkit2gtkinjectedbundle.so",
]
# Loaded with dlopen, so no ELF dependency names them.
DLOPENED = [f"{LIB}/libayatana-appindicator3.so.1"]
PIXBUF_DIR = f"{LIB}/gdk-pixbuf-2.0/2.10.0"
GIO_MODULES = f"{LIB}/gio/modules"

APPRUN = """#!/bin/sh
# PosBridge's AppImage entry point: GTK's run-time files from the AppDir, then the app.
HERE="$(dirname "$(readlink -f "$0")")"
export APPDIR="${APPDIR:-$HERE}"
export XDG_DATA_DIRS="$APPDIR/usr/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
export GSETTINGS_SCHEMA_DIR="$APPDIR/usr/share/glib-2.0/schemas"
export GIO_MODULE_DIR="$APPDIR/usr/lib/gio/modules"
export GDK_PIXBUF_MODULEDIR="$APPDIR/usr/lib/gdk-pixbuf-2.0/2.10.0/loaders"
export GDK_PIXBUF_MODULE_FILE="$APPDIR/usr/lib/gdk-pixbuf-2.0/2.10.0/loaders.cache"
export GTK_EXE_PREFIX="$APPDIR/usr"
export GTK_DATA_PREFIX="$APPDIR/usr"
# libwebkit2gtk names its helper processes "././lib/..." (patched from "/usr/lib/..."): relative
# to usr/, where the app starts.
cd "$APPDIR/usr" || exit 1
exec "$APPDIR/usr/bin/posbridge-app" "$@"
"""


def run(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def runtime(target_dir: Path) -> bytes:
    """The AppImage runtime from the crates.io package, fetched by cargo into its registry."""
    manifest = ROOT / "tools/appimage-runtime/Cargo.toml"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir / "appimage-runtime"))
    run("cargo", "fetch", "--locked", "--manifest-path", str(manifest), env=env)
    metadata = json.loads(
        run("cargo", "metadata", "--locked", "--format-version", "1", "--manifest-path", str(manifest),
            capture_output=True, env=env).stdout
    )
    package = next(p for p in metadata["packages"] if p["name"] == RUNTIME_CRATE)
    path = Path(package["manifest_path"]).parent / "assets/runtime-x86_64"
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != RUNTIME_SHA256:
        raise SystemExit(f"the AppImage runtime at {path} is not the one checked (sha256 {digest})")
    return data


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed(path: Path) -> dict:
    """The shared libraries `path` needs (directly or not), by name -> resolved path, per ldd."""
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+) => (/\S+)", line)
        if match:
            found[match.group(1)] = match.group(2)
        elif "not found" in line:
            raise SystemExit(f"{path} needs {line.split()[0]}, which is not installed")
    return found


def copy(source: str, destination: Path):
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(source), destination)
    destination.chmod(destination.stat().st_mode | stat.S_IWUSR)


def set_rpath(path: Path, lib_dir: Path):
    relative = os.path.relpath(lib_dir, path.parent)
    rpath = "$ORIGIN" if relative == "." else f"$ORIGIN/{relative}"
    run("patchelf", "--set-rpath", rpath, str(path))


def build(deb: Path, out: Path, target_dir: Path):
    work = Path(tempfile.mkdtemp(prefix="posbridge-appimage-"))
    try:
        data = work / "deb"
        run("dpkg-deb", "-x", str(deb), str(data))
        appdir = work / "PosBridge.AppDir"
        usr = appdir / "usr"
        shutil.copytree(data / "usr", usr, symlinks=True)
        # The headless parts of the .deb are for servers: the AppImage is the desktop app.
        for extra in ["bin/posbridge", "lib/systemd", "share/doc/posbridge"]:
            target = usr / extra
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        lib_dir = usr / "lib"

        # Programs and modules, each at its place in the AppDir.
        placed = [usr / "bin/posbridge-app"]
        for helper in WEBKIT_HELPERS:
            destination = appdir / helper.lstrip("/")
            copy(helper, destination)
            placed.append(destination)
        for library in DLOPENED:
            destination = lib_dir / Path(library).name
            copy(library, destination)
            placed.append(destination)
        # PNG and JPEG are built into gdk-pixbuf; GTK's theme icons are SVG.
        for loader in sorted(Path(PIXBUF_DIR, "loaders").glob("*.so")):
            if loader.name in ("libpixbufloader-png.so", "libpixbufloader-svg.so", "libpixbufloader-jpeg.so"):
                destination = lib_dir / "gdk-pixbuf-2.0/2.10.0/loaders" / loader.name
                copy(str(loader), destination)
                placed.append(destination)
        for module in sorted(Path(GIO_MODULES).glob("*.so")):
            destination = lib_dir / "gio/modules" / module.name
            copy(str(module), destination)
            placed.append(destination)

        # Every library they need, once, in usr/lib.
        libraries = {}
        for program in placed:
            for name, path in needed(program).items():
                if not EXCLUDED.match(name) and not (lib_dir / name).exists():
                    libraries[name] = path
        for name, path in sorted(libraries.items()):
            copy(path, lib_dir / name)
        for path in list(lib_dir.glob("*.so*")) + placed:
            if is_elf(path):
                set_rpath(path, lib_dir)

        # WebKit's helper paths, relative to usr/ (where AppRun starts the app).
        for webkit in lib_dir.glob("libwebkit2gtk-4.1.so*"):
            if webkit.is_file() and not webkit.is_symlink():
                webkit.write_bytes(webkit.read_bytes().replace(b"/usr", b"././"))

        # GTK's run-time files.
        loaders = lib_dir / "gdk-pixbuf-2.0/2.10.0"
        query = f"{LIB}/gdk-pixbuf-2.0/gdk-pixbuf-query-loaders"
        cache = run(query, *sorted(str(p) for p in (loaders / "loaders").glob("*.so")), capture_output=True, text=True).stdout
        (loaders / "loaders.cache").write_text(cache.replace(str(loaders / "loaders") + "/", ""))
        (lib_dir / "gio/modules").mkdir(parents=True, exist_ok=True)
        run(f"{LIB}/glib-2.0/gio-querymodules", str(lib_dir / "gio/modules"))
        schemas = usr / "share/glib-2.0/schemas"
        schemas.mkdir(parents=True, exist_ok=True)
        for schema in Path("/usr/share/glib-2.0/schemas").glob("*.xml"):
            shutil.copy2(schema, schemas)
        run("glib-compile-schemas", str(schemas))

        # The AppDir's own entry: AppRun, the desktop entry and the icon at its top.
        (appdir / "AppRun").write_text(APPRUN)
        (appdir / "AppRun").chmod(0o755)
        desktop = usr / "share/applications/PosBridge.desktop"
        shutil.copy2(desktop, appdir / "PosBridge.desktop")
        icon = max((usr / "share/icons/hicolor").glob("*x*/apps/posbridge-app.png"), key=lambda p: int(p.parts[-3].split("x")[0].split("@")[0]))
        shutil.copy2(icon, appdir / "posbridge-app.png")
        os.symlink("posbridge-app.png", appdir / ".DirIcon")

        image = work / "image.squashfs"
        run("mksquashfs", str(appdir), str(image), "-root-owned", "-noappend", "-comp", "gzip", "-quiet",
            "-no-progress", "-mkfs-time", "0", "-all-time", "0")
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as f:
            f.write(runtime(target_dir))
            f.write(image.read_bytes())
        out.chmod(0o755)
        print(f"{out} ({out.stat().st_size / 1e6:.1f} MB, {len(libraries)} libraries bundled)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deb", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--target-dir", type=Path, default=ROOT / "target")
    args = parser.parse_args()
    build(args.deb.resolve(), args.out.resolve(), args.target_dir.resolve())


if __name__ == "__main__":
    sys.exit(main())
