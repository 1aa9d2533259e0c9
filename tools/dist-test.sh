#!/usr/bin/env bash
# Checks the installers `make dist` made, as a merchant's machine would meet them:
#   - the .deb installs into a throwaway root with dpkg (its own database, nothing touches this
#     machine's), with every file where it belongs, a desktop entry desktop-file-validate accepts,
#     icons at every size, the systemd user unit for `posbridge run`, a working `posbridge` CLI,
#     dependencies apt can resolve, and it removes cleanly;
#   - the .rpm carries the same files and asks for the same libraries;
#   - the AppImage and the .deb's app start on a headless desktop (Xvfb) and show their window
#     (screenshots in artifacts/dist/, checked not blank).
#   tools/dist-test.sh DEB RPM APPIMAGE
set -euo pipefail
deb=$(readlink -f "$1") rpm=$(readlink -f "$2") appimage=$(readlink -f "$3")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
shots="$ROOT/artifacts/dist"
mkdir -p "$shots"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0

check() { # check NAME COMMAND...: runs one check, says ok or not ok with its output
  local name=$1; shift
  # In the background, so that `set -e` holds inside the check: in an `if` or `$(...)` bash
  # ignores it, and a check would then only answer for its last line.
  ( set -e; "$@" ) >"$scratch/check.out" 2>&1 &
  if wait $!; then
    echo "ok - $name"; passed=$((passed + 1))
  else
    echo "not ok - $name"; sed 's/^/    /' "$scratch/check.out"; failed=$((failed + 1))
  fi
}

## The .deb in a throwaway root ############################################################
root="$scratch/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
package=$(dpkg-deb -f "$deb" Package)

deb_control() {
  local control; control=$(dpkg-deb -f "$deb")
  grep -qx "Package: pos-bridge" <<<"$control"
  grep -q "^Depends:.*libwebkit2gtk-4.1-0" <<<"$control"
  grep -q "^Depends:.*libgtk-3-0" <<<"$control"
  grep -q "^Depends:.*libayatana-appindicator3-1" <<<"$control"
  grep -qx "Maintainer: PosBridge" <<<"$control"
  grep -qx "Section: misc" <<<"$control"
  grep -q "^Description: Keeps CCV SalesPOS and Visma eAccounting in step" <<<"$control"
}
check "the .deb's control names the package, maintainer, section and the libraries it needs" deb_control
check "apt can resolve the .deb's dependencies on this Debian" apt-get install --simulate -qq "$deb"
check "dpkg installs the .deb into a throwaway root" \
  dpkg --root="$root" --force-depends --force-not-root --force-script-chrootless --log=/dev/null -i "$deb"

installed_files() {
  local listed; listed=$(dpkg --root="$root" -L "$package")
  for file in /usr/bin/posbridge-app /usr/bin/posbridge /usr/share/applications/PosBridge.desktop \
    /usr/lib/systemd/user/posbridge.service /usr/share/doc/posbridge/README.systemd; do
    grep -qx "$file" <<<"$listed" || { echo "missing $file"; return 1; }
    [ -e "$root$file" ] || { echo "$file is listed but not there"; return 1; }
  done
  for bin in posbridge-app posbridge; do
    [ -x "$root/usr/bin/$bin" ] || { echo "$bin is not executable"; return 1; }
    file -b "$root/usr/bin/$bin" | grep -q "ELF 64-bit LSB pie executable, x86-64" || { file "$root/usr/bin/$bin"; return 1; }
  done
}
check "the app, the CLI, the desktop entry, the user unit and its notes are installed" installed_files

desktop_entry() {
  local entry="$root/usr/share/applications/PosBridge.desktop"
  desktop-file-validate "$entry"
  grep -qx "Exec=posbridge-app" "$entry"
  grep -qx "Icon=posbridge-app" "$entry"
  grep -qx "Categories=Office;Finance;" "$entry"
  grep -qx "Comment=Keeps CCV SalesPOS and Visma eAccounting in step" "$entry"
  grep -q "^Comment\[nl\]=" "$entry"
  [ -x "$root/usr/bin/$(sed -n 's/^Exec=//p' "$entry")" ]
}
check "the desktop entry validates and starts the installed app with its icon" desktop_entry

icons() {
  for size in 16 24 32 48 64 128 256 512; do
    local icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/posbridge-app.png"
    [ -f "$icon" ] || { echo "no ${size}px icon"; return 1; }
    file -b "$icon" | grep -q "PNG image data, $size x $size, 8-bit/color RGBA" || { file "$icon"; return 1; }
  done
}
check "icons at 16 to 512 px, each the size its folder says" icons

user_unit() {
  local unit="$root/usr/lib/systemd/user/posbridge.service"
  grep -qx "ExecStart=/usr/bin/posbridge run" "$unit"
  grep -qx "WantedBy=default.target" "$unit"
  grep -qx "Restart=on-failure" "$unit"
  # systemd's own check, of a copy whose ExecStart points into the throwaway root (verify
  # --root looks for system units only, and a user manager cannot start here).
  if command -v systemd-analyze >/dev/null; then
    local copy="$scratch/verify/posbridge.service"
    mkdir -p "$(dirname "$copy")"
    sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" >"$copy"
    SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no "$copy"
  fi
}
check "the systemd user unit runs 'posbridge run' and passes systemd-analyze verify" user_unit

cli_works() {
  local data="$scratch/cli-data"
  "$root/usr/bin/posbridge" --version | grep -q "posbridge"
  POSBRIDGE_SECRETS=file POSBRIDGE_SECRETS_PASSPHRASE=x "$root/usr/bin/posbridge" --data-dir "$data" flows list | grep -q "^orders  *off$"
  "$root/usr/bin/posbridge" choices | grep -q "^orders.default_debtor"
}
check "the packaged posbridge CLI runs (flows, choices)" cli_works

check "dpkg removes the package and leaves none of its files" bash -c '
  dpkg --root="$1" --force-depends --force-not-root --force-script-chrootless --log=/dev/null -r "$2" &&
  [ ! -e "$1/usr/bin/posbridge-app" ] && [ ! -e "$1/usr/lib/systemd/user/posbridge.service" ]' _ "$root" "$package"

## The .rpm ################################################################################
rpm_contents() {
  local listed; listed=$(rpm -qlp "$rpm" 2>/dev/null)
  for file in /usr/bin/posbridge-app /usr/bin/posbridge /usr/share/applications/PosBridge.desktop \
    /usr/lib/systemd/user/posbridge.service /usr/share/icons/hicolor/512x512/apps/posbridge-app.png; do
    grep -qx "$file" <<<"$listed" || { echo "missing $file"; return 1; }
  done
  local requires; requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
  grep -q "libwebkit2gtk-4.1.so.0" <<<"$requires" || { echo "$requires"; return 1; }
  rpm -qp --qf '%{NAME} %{VERSION} %{LICENSE}\n' "$rpm" 2>/dev/null | grep -q "^$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) "
}
check "the .rpm carries the same files and requires WebKitGTK 4.1 (libwebkit2gtk-4.1.so.0)" rpm_contents

## The apps start and show their window ######################################################
# shows_window NAME COMMAND...: starts the command on a private headless desktop with its own
# data dir, waits for the PosBridge window, screenshots it, and checks that it is not blank.
shows_window() {
  local name=$1; shift
  local data="$scratch/data-$name"
  POSBRIDGE_DATA_DIR="$data" POSBRIDGE_SECRETS=file POSBRIDGE_SECRETS_PASSPHRASE=x \
    "$ROOT/tools/with-desktop.sh" bash -euc '
      shot=$1 log=$2; shift 2
      "$@" >"$log" 2>&1 & app=$!
      trap "kill $app 2>/dev/null; wait $app 2>/dev/null || true" EXIT
      window=$(timeout 60 xdotool search --sync --onlyvisible --name "^PosBridge$" | head -1)
      # The page: the welcome screen has rendered once its text is there to see.
      for _ in $(seq 40); do
        sleep 0.5
        import -window "$window" "$shot"
        colours=$(convert "$shot" -format "%k" info:)
        [ "$colours" -gt 50 ] && break
      done
      kill -0 $app
      echo "window $window, $colours colours"
      [ "$colours" -gt 50 ]' _ "$shots/$name.png" "$scratch/$name.log" "$@" \
  || { tail -20 "$scratch/$name.log"; return 1; }
}
check "the AppImage's runtime and image are intact (--appimage-offset, --appimage-extract)" bash -c '
  cd "$1" && offset=$("$2" --appimage-offset) && [ "$offset" -gt 100000 ] &&
  "$2" --appimage-extract >/dev/null && [ -x squashfs-root/AppRun ] &&
  [ -x squashfs-root/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess ] &&
  [ -f squashfs-root/PosBridge.desktop ] && desktop-file-validate squashfs-root/PosBridge.desktop' _ "$scratch" "$appimage"
# FUSE may be refused in a container: the runtime then runs the image extracted, as it would on
# a machine without FUSE.
check "the AppImage starts and shows its window (artifacts/dist/appimage.png)" \
  shows_window appimage env APPIMAGE_EXTRACT_AND_RUN=1 NO_CLEANUP=1 "$appimage"
dpkg -x "$deb" "$scratch/deb-files"
check "the .deb's app starts and shows its window (artifacts/dist/deb.png)" \
  shows_window deb "$scratch/deb-files/usr/bin/posbridge-app"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
