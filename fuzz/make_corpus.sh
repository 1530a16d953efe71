#!/usr/bin/env bash
# make_corpus.sh — writes the seed corpora of the fuzz targets into
# fuzz/corpus/<target>/: small valid files of each format (never the data
# set), from which libFuzzer mutates.
#
#   bash fuzz/make_corpus.sh [build/fuzz]
#
# fuzz_idx: one selector byte (bit 0: 1 labels, 0 images) then an IDX file,
#   plain or gzip-compressed.
# fuzz_safetensors: safetensors files with one to three tensors of several
#   dtypes and shapes, with and without metadata.
# fuzz_checkpoint: a valid checkpoint of the target's model (written by the
#   target itself, NN_FUZZ_WRITE_SEED) and that file with its metadata changed.
set -euo pipefail
cd "$(dirname "$0")"
build=${1:-../build/fuzz}
[ -x "$build/bin/fuzz_checkpoint" ] || { echo "make_corpus: build first (cmake --preset fuzz && cmake --build --preset fuzz)" >&2; exit 1; }
rm -rf corpus
mkdir -p corpus/fuzz_idx corpus/fuzz_safetensors corpus/fuzz_checkpoint
NN_FUZZ_WRITE_SEED=corpus/fuzz_checkpoint/valid "$build/bin/fuzz_checkpoint" >/dev/null 2>&1
/usr/bin/python3 - <<'PY'
import gzip, json, struct

def idx_images(count, rows, cols):
    return struct.pack(">IIII", 0x803, count, rows, cols) + bytes((i * 7) % 256 for i in range(count * rows * cols))

def idx_labels(count):
    return struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count))

seeds = {
    "images-2x4x4": b"\x00" + idx_images(2, 4, 4),
    "images-1x3x5": b"\x00" + idx_images(1, 3, 5),
    "labels-6": b"\x01" + idx_labels(6),
    "labels-0": b"\x01" + idx_labels(0),
    "images-2x4x4-gz": b"\x00" + gzip.compress(idx_images(2, 4, 4), mtime=0),
    "labels-6-gz": b"\x01" + gzip.compress(idx_labels(6), mtime=0),
}
for name, data in seeds.items():
    open(f"corpus/fuzz_idx/{name}", "wb").write(data)

def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    for name, dtype, shape, size in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + size]}
        blob += bytes((len(blob) + i) % 251 for i in range(size))
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob

sts = {
    "one-f32": safetensors([("w", "F32", [2, 3], 24)]),
    "three": safetensors([("a", "F32", [4], 16), ("b", "F64", [1, 2], 16), ("c", "U8", [3], 3)], {"format": "pt"}),
    "empty-tensor": safetensors([("e", "F32", [0, 5], 0), ("s", "F32", [], 4)]),
    "metadata-only": safetensors([], {"next_epoch": "3", "learning_rate": "0.01"}),
}
for name, data in sts.items():
    open(f"corpus/fuzz_safetensors/{name}", "wb").write(data)

# The valid checkpoint with other metadata values, the same length of header.
valid = open("corpus/fuzz_checkpoint/valid", "rb").read()
n = struct.unpack("<Q", valid[:8])[0]
header = json.loads(valid[8:8 + n])
for key, value in [("next_epoch", "x"), ("learning_rate", "-1"), ("optimizer", "adam")]:
    h = dict(header)
    h["__metadata__"] = dict(h["__metadata__"], **{key: value})
    text = json.dumps(h, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    open(f"corpus/fuzz_checkpoint/metadata-{key}", "wb").write(struct.pack("<Q", len(text)) + text + valid[8 + n:])
PY
echo "make_corpus: $(ls corpus/fuzz_idx | wc -l) + $(ls corpus/fuzz_safetensors | wc -l) + $(ls corpus/fuzz_checkpoint | wc -l) seeds in fuzz/corpus/"
