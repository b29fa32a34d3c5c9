#!/usr/bin/env python3
"""export_check.py: checks `nanogpt export` output with tools that share no code with it.

Usage: export_check.py EXPECTED.json RUN.npz RUN.safetensors RUN.csv

EXPECTED.json (written by tests/viz/test_run_store.cpp):
  {"session": str,
   "arrays": [{"name", "dtype": "float32"|"int32", "shape": [...], "values": [flat, null = NaN]}],
   "csv": [[header...], [row...], ...]}
The npz is opened with numpy.load, the safetensors file is parsed by hand (header length,
JSON header, numpy.frombuffer on the data), the CSV with the csv module. Exits 0 when all
match; otherwise prints every mismatch and exits 1 (3 when numpy is missing).
"""
import csv
import json
import struct
import sys
import zipfile

try:
    import numpy as np
except ImportError:
    print("export_check.py: numpy is missing: install python3-numpy (apt-get install python3-numpy)")
    sys.exit(3)

problems = []


def expected_array(spec):
    values = [np.nan if v is None else v for v in spec["values"]]
    return np.array(values, dtype=spec["dtype"]).reshape(spec["shape"])


def compare(where, name, got, spec):
    want = expected_array(spec)
    if got.dtype != want.dtype:
        problems.append(f"{where}: {name}: dtype {got.dtype}, expected {want.dtype}")
    elif got.shape != want.shape:
        problems.append(f"{where}: {name}: shape {got.shape}, expected {want.shape}")
    elif not np.array_equal(got, want, equal_nan=want.dtype.kind == "f"):
        problems.append(f"{where}: {name}: values differ:\n  got      {got.ravel().tolist()}\n"
                        f"  expected {want.ravel().tolist()}")


def check_npz(path, arrays):
    with np.load(path, allow_pickle=False) as npz:
        names = sorted(npz.files)
        if names != sorted(a["name"] for a in arrays):
            problems.append(f"npz: arrays {names}, expected {sorted(a['name'] for a in arrays)}")
        for spec in arrays:
            if spec["name"] in npz.files:
                compare("npz", spec["name"], npz[spec["name"]], spec)
    # NPY 1.0 with the data 64-byte aligned, as the format asks.
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            raw = z.read(info.filename)
            if raw[:8] != b"\x93NUMPY\x01\x00":
                problems.append(f"npz: {info.filename}: not NPY 1.0 (starts {raw[:8]!r})")
                continue
            header_len = struct.unpack("<H", raw[8:10])[0]
            if (10 + header_len) % 64 != 0:
                problems.append(f"npz: {info.filename}: data starts at {10 + header_len}, not a multiple of 64")


def check_safetensors(path, arrays, session):
    blob = open(path, "rb").read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len % 8 != 0:
        problems.append(f"safetensors: header length {header_len} is not a multiple of 8")
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = blob[8 + header_len:]
    meta = header.pop("__metadata__", None)
    if meta != {"session": session}:
        problems.append(f"safetensors: __metadata__ {meta}, expected {{'session': {session!r}}}")
    if list(header) != [a["name"] for a in arrays]:
        problems.append(f"safetensors: tensors {list(header)}, expected {[a['name'] for a in arrays]}")
    dtypes = {"F32": np.float32, "I32": np.int32}
    end = 0
    for name, entry in header.items():
        begin, stop = entry["data_offsets"]
        if begin != end:
            problems.append(f"safetensors: {name} starts at {begin}, expected {end} (no gaps or overlaps)")
        end = stop
        got = np.frombuffer(data[begin:stop], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
        spec = next((a for a in arrays if a["name"] == name), None)
        if spec is not None:
            compare("safetensors", name, got, spec)
    if end != len(data):
        problems.append(f"safetensors: data is {len(data)} bytes, tensors cover {end}")


def check_csv(path, rows):
    with open(path, newline="") as f:
        got = list(csv.reader(f))
    if got != rows:
        problems.append(f"csv: rows differ:\n  got      {got}\n  expected {rows}")


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    expected_path, npz_path, safetensors_path, csv_path = sys.argv[1:]
    expected = json.load(open(expected_path))
    check_npz(npz_path, expected["arrays"])
    check_safetensors(safetensors_path, expected["arrays"], expected["session"])
    check_csv(csv_path, expected["csv"])
    for p in problems:
        print(p)
    if not problems:
        print(f"export_check.py: npz, safetensors and csv match ({len(expected['arrays'])} arrays)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
