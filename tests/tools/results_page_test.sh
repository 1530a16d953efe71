#!/bin/sh
# The results page from a made-up out/ folder of two chapter programs: it is
# written, it shows each program's figures and plots, and every image and
# link on it exists (tools/check_links).
set -eu
page_tool=$1 links_tool=$2 root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/chapters/ch01_neuron" "$work/out/ch01_neuron" "$work/out/ch05_training"
printf '# Chapter 1 — one neuron\n' > "$work/chapters/ch01_neuron/README.md"
printf 'dataset,final_loss\nand,0.0123456\nxor,0.693\n' > "$work/out/ch01_neuron/logistic.csv"
printf 'metric,value\ntest_accuracy,0.8812\n' > "$work/out/ch05_training/summary.csv"
printf 'epoch,loss\n1,0.5\n' > "$work/out/ch05_training/epochs.csv"
printf '\211PNG\r\n' > "$work/out/ch05_training/loss.png"
printf 'program,seconds\nch01_neuron,1.25\nch05_training,12.5\n' > "$work/out/course.csv"
"$page_tool" --root "$work" --out "$work/out"
page="$work/out/index.html"
grep -q 'Chapter 1 — one neuron' "$page"
grep -q '<td>0.01235</td>' "$page"           # a small table in full, numbers shortened
grep -q '<td>0.8812</td>' "$page"            # summary.csv's figures
grep -q 'src="ch05_training/loss.png"' "$page"
grep -q 'ran in 12.5 s' "$page"
"$links_tool" "$root" "$page"
echo "results page test: ok"
