"""One typed settings object; the only place that reads environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_EMBED_MODEL = "BAAI/bge-small-zh-v1.5"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "drafter"


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Help text lives in `metadata['help']`."""

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={"env": "DRAFTER_DATA_DIR", "help": "所有数据（索引、草稿库）所在目录"},
    )
    embed_model: str = field(
        default=DEFAULT_EMBED_MODEL,
        metadata={"env": "DRAFTER_EMBED_MODEL", "help": "向量模型名称或本地目录"},
    )
    chroma_host: str = field(
        default="", metadata={"env": "DRAFTER_CHROMA_HOST", "help": "Chroma 服务器地址（空=内嵌）"}
    )
    chroma_port: int = field(
        default=8000, metadata={"env": "DRAFTER_CHROMA_PORT", "help": "Chroma 服务器端口"}
    )
    llm_base_url: str = field(
        default="", metadata={"env": "OPENAI_BASE_URL", "help": "OpenAI 兼容接口地址"}
    )
    llm_api_key: str = field(
        default="", repr=False, metadata={"env": "OPENAI_API_KEY", "help": "接口密钥（不会显示）"}
    )
    llm_model: str = field(default="", metadata={"env": "DRAFTER_MODEL", "help": "模型名称"})
    llm_concurrency: int = field(
        default=4, metadata={"env": "DRAFTER_LLM_CONCURRENCY", "help": "并行生成的章节数"}
    )
    llm_timeout: float = field(
        default=60.0, metadata={"env": "DRAFTER_LLM_TIMEOUT", "help": "单次请求超时（秒）"}
    )
    llm_stall_timeout: float = field(
        default=60.0,
        metadata={"env": "DRAFTER_LLM_STALL", "help": "大模型超过这么多秒没有新输出即放弃本次请求（秒）"},
    )
    llm_section_deadline: float = field(
        default=240.0,
        metadata={"env": "DRAFTER_SECTION_DEADLINE", "help": "每一节最多等待大模型的时间（秒），超时改用离线稿"},
    )
    llm_draft_deadline: float = field(
        default=900.0,
        metadata={"env": "DRAFTER_DRAFT_DEADLINE", "help": "整篇最多等待大模型的时间（秒），超时的节改用离线稿"},
    )
    llm_strategy: str = field(
        default="polish",
        metadata={"env": "DRAFTER_LLM_STRATEGY", "help": "大模型的用法：polish=润色离线稿（默认），write=按事实从头写"},
    )
    llm_max_retries: int = field(
        default=3, metadata={"env": "DRAFTER_LLM_RETRIES", "help": "失败重试次数"}
    )
    max_file_mb: float = field(
        default=20.0, metadata={"env": "DRAFTER_MAX_FILE_MB", "help": "单个语料文件大小上限（MB）"}
    )
    host: str = field(
        default="127.0.0.1", metadata={"env": "DRAFTER_HOST", "help": "网页界面监听地址"}
    )
    port: int = field(default=7860, metadata={"env": "DRAFTER_PORT", "help": "网页界面端口"})
    auth: str = field(
        default="",
        repr=False,
        metadata={"env": "DRAFTER_AUTH", "help": "网页登录账号，形如 user:pass,user2:pass2（空=不需登录）"},
    )
    max_upload_mb: float = field(
        default=10.0, metadata={"env": "DRAFTER_MAX_UPLOAD_MB", "help": "网页上传单个文件大小上限（MB）"}
    )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables, then explicit overrides (CLI flags)."""
        env = dict(os.environ) if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            raw = env.get(name) if name else None
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.type, raw)
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        if "data_dir" in values:
            values["data_dir"] = Path(str(values["data_dir"])).expanduser()
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def llm_endpoint_host(self) -> str:
        """Host of the LLM endpoint, safe to show (never the key)."""
        return urlparse(self.llm_base_url).netloc or self.llm_base_url

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25"

    @property
    def drafts_db(self) -> Path:
        return self.data_dir / "drafts.sqlite3"


def _coerce(type_name: object, raw: str) -> object:
    text = str(type_name)
    if "int" in text:
        return int(raw)
    if "float" in text:
        return float(raw)
    if "Path" in text:
        return Path(raw).expanduser()
    return raw
