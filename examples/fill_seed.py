"""Fill a 2024 template with the seed department's published figures, through the library.

    python examples/fill_seed.py [-o examples/seed-2024.xlsx] [--force]
    python examples/fill_seed.py --data examples/seed-2024-yuan.toml -o examples/seed-2024-yuan.xlsx

The result is the workbook an accountant would return after typing the published figures into the blank
template of `juesuan-xlsx new 2024`; the tests verify it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.spec import load_spec

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(HERE / "seed-2024.xlsx"))
    parser.add_argument("--data", default=str(HERE / "seed-2024.toml"))
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    args = parser.parse_args()
    data = load_fill_file(args.data)
    spec = load_spec(data.year, data.profile)
    data = load_fill_file(args.data, spec)
    generate(spec, args.output, Options(dept=data.dept, filling=data.filling, shuoming=data.shuoming,
                                        unit=data.unit), overwrite=args.force)
    print(f"已生成：{args.output}")


if __name__ == "__main__":
    main()
