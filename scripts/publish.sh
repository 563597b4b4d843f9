#!/usr/bin/env bash
# Publishes the deckhand executable as a self-contained, trimmed, ReadyToRun (pre-compiled) build to
# artifacts/deckhand/ (run artifacts/deckhand/deckhand). Starts faster and uses ~20 MB less memory than
# `dotnet deckhand.dll`; see "Published build" in README.md and "Native AOT" in bench/RESULTS.md.
# Needs only the .NET SDK: the runtime packs come from NuGet. RID defaults to linux-x64 (set RID to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
rid="${RID:-linux-x64}"
out="artifacts/deckhand"
rm -rf "$out"
dotnet publish src/Deckhand -c Release -r "$rid" --self-contained \
  -p:PublishTrimmed=true -p:PublishReadyToRun=true \
  --nologo -o "$out"
echo "published: $out/deckhand"
