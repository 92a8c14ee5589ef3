#!/bin/sh
# make rock: the release, offline, in build/rock/:
#   moveugc-<v>.tar.gz       git archive of the tree (committed files; with
#                            uncommitted changes to them, those too, and a note)
#   moveugc-<v>-1.rockspec   rockspec/moveugc-<v>-1.rockspec plus the archive's md5
#   moveugc-<v>-1.src.rock   both, zipped as luarocks pack zips them (pack itself
#                            would fetch source.url, which is the archive's bare
#                            name: the name a .src.rock install looks for)
# The version is moveugc._VERSION; the release rockspec must exist for it.
set -eu
cd "$(dirname "$0")/.."
V=$(sed -n 's/^M._VERSION = "\(.*\)"$/\1/p' binding/moveugc/init.lua)
SPEC="rockspec/moveugc-$V-1.rockspec"
[ -n "$V" ] || { echo "rock: no M._VERSION in binding/moveugc/init.lua" >&2; exit 1; }
[ -f "$SPEC" ] || { echo "rock: $SPEC is missing: a release rockspec for $V" >&2; exit 1; }
grep -q "^version = \"$V-1\"$" "$SPEC" || { echo "rock: $SPEC is not version $V-1" >&2; exit 1; }

OUT=build/rock
mkdir -p "$OUT"
rm -f "$OUT/moveugc-$V.tar.gz" "$OUT/moveugc-$V-1.rockspec" "$OUT/moveugc-$V-1.src.rock"
REF=$(git stash create 2>/dev/null || true) # a commit of the working tree, when it differs from HEAD
if [ -n "$REF" ]; then
  echo "rock: packing the working tree's uncommitted changes too (commit them for a release)" >&2
else
  REF=HEAD
fi
git archive --format=tar.gz --prefix="moveugc-$V/" -o "$OUT/moveugc-$V.tar.gz" "$REF"
MD5=$(md5sum "$OUT/moveugc-$V.tar.gz" | cut -d' ' -f1)
sed "s|^  url = \"moveugc-$V.tar.gz\",$|  url = \"moveugc-$V.tar.gz\",\n  md5 = \"$MD5\",|" "$SPEC" >"$OUT/moveugc-$V-1.rockspec"
grep -q "md5 = \"$MD5\"" "$OUT/moveugc-$V-1.rockspec" || { echo "rock: $SPEC has no source.url line to follow" >&2; exit 1; }
(cd "$OUT" && zip -q -X "moveugc-$V-1.src.rock" "moveugc-$V-1.rockspec" "moveugc-$V.tar.gz")
echo "$OUT/moveugc-$V-1.src.rock (archive md5 $MD5)"
