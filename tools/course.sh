#!/usr/bin/env bash
# course.sh — the course's main job: installs what is needed, builds the
# Release preset, then runs every chapter program in order on its default
# data. Each writes its CSV files and PNG plots under out/<program>/; the
# page out/index.html then shows them all (tools/results_page.cpp).
#
#   bash tools/course.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
echo "== configuring and building (Release) =="
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"

mapfile -t programs < <(find build/release/bin -maxdepth 1 -type f -name 'ch[0-9][0-9]_*' -perm -u+x | sort)
if [ ${#programs[@]} -eq 0 ]; then
  echo "course: error: no chapter programs found in build/release/bin" >&2
  exit 1
fi

mkdir -p out
echo "program,seconds" > out/course.csv
summary=()
for program in "${programs[@]}"; do
  name=$(basename "$program")
  echo
  echo "################################################################"
  echo "## $name"
  echo "################################################################"
  start=$(date +%s%N)
  "$program" --out "out/$name"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  summary+=("$(printf '%-22s %5d.%02d s   out/%s/' "$name" $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10)) "$name")")
  printf '%s,%d.%03d\n' "$name" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) >> out/course.csv
done

echo
echo "== course finished: ${#programs[@]} chapter program(s) =="
printf '%s\n' "${summary[@]}"
build/release/tools/results_page --root . --out out
build/release/tools/check_links . out/index.html >/dev/null
echo "All results (CSV + PNG) are under $(pwd)/out/; open out/index.html for all of them on one page"
