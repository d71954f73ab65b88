"""Start the web UI: `python app.py [--host 127.0.0.1] [--port 7860] [--data-dir DIR]`.

Builds the UI from `drafter` and launches it; all settings also come from environment
variables (DRAFTER_HOST, DRAFTER_PORT, DRAFTER_AUTH, DRAFTER_DATA_DIR, OPENAI_BASE_URL, …).
"""

from __future__ import annotations

import argparse
import sys

from drafter.config import Settings
from drafter.errors import UserError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="工会工作总结起草助手（网页界面）")
    parser.add_argument("--host", help="监听地址（默认 127.0.0.1，或 DRAFTER_HOST）")
    parser.add_argument("--port", type=int, help="端口（默认 7860，或 DRAFTER_PORT）")
    parser.add_argument("--data-dir", help="数据目录（或 DRAFTER_DATA_DIR）")
    args = parser.parse_args(argv)
    settings = Settings.from_env(data_dir=args.data_dir, host=args.host, port=args.port)
    from drafter.ui import serve

    try:
        serve(settings)
    except UserError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
