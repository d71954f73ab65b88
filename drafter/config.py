"""One typed settings object; the only place that reads environment variables."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_EMBED_MODEL = "BAAI/bge-small-zh-v1.5"


def _package_folder(name: str) -> Path:
    """A folder shipped as a data package (see pyproject.toml): the repository's prompts/ or
    corpus/ in a checkout (editable install), the copy inside an installed wheel otherwise."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is missing: reinstall drafter (pip install -e . or pip install .)")
    return Path(spec.origin).parent


BUNDLED_CORPUS = _package_folder("drafter.example_corpus")
PROMPTS_DIR = _package_folder("drafter.prompt_files")


@dataclass(frozen=True)
class HubSettings:
    """The Hugging Face hub as huggingface_hub sees it (its own HF_* variables, read here so the
    embedder gets them passed in): the model cache, the hub's address, offline mode."""

    cache: Path
    endpoint: str = "https://huggingface.co"
    offline: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> HubSettings:
        env = dict(os.environ) if env is None else env
        home = Path(env.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
        return cls(
            cache=Path(env.get("HF_HUB_CACHE") or home / "hub"),
            endpoint=env.get("HF_ENDPOINT") or cls.endpoint,
            offline=env.get("HF_HUB_OFFLINE") == "1",
        )

    def use_short_download_timeouts(self) -> None:
        """Before a download: huggingface_hub reads its timeouts only from the environment, so
        they are set there (unless the user set them), for an unreachable hub to fail fast."""
        os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "5")
        os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "10")


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
    database_url: str = field(
        default="",
        repr=False,  # holds a password: never in logs (see `database_host` for messages)
        metadata={
            "env": "DRAFTER_DATABASE_URL",
            "help": "PostgreSQL 地址，形如 postgresql://用户:密码@主机:5432/库名（空=本机 SQLite；不会显示）",
        },
    )
    catalogue_poll: float = field(
        default=5.0,
        metadata={"env": "DRAFTER_CATALOGUE_POLL", "help": "多实例部署时，最多每隔几秒检查一次范文库是否已更新（秒）"},
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
    genre_file: Path | None = field(
        default=None,
        metadata={"env": "DRAFTER_GENRE_FILE", "help": "本单位的体裁文件（YAML），在内置体裁上增改主题、标题等"},
    )
    hub: HubSettings = field(
        default_factory=HubSettings.from_env,
        metadata={"help": "向量模型下载站与缓存（HF_HOME、HF_HUB_CACHE、HF_ENDPOINT、HF_HUB_OFFLINE）"},
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
        values.setdefault("hub", HubSettings.from_env(env))
        return cls(**values)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        """Shown in logs and tracebacks: the key and logins left out, addresses masked."""
        shown = (f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return mask_credentials(f"Settings({', '.join(shown)})")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def llm_endpoint_host(self) -> str:
        """Host of the LLM endpoint, safe to show (never the key, never user:password)."""
        return url_host(self.llm_base_url)

    @property
    def catalogue_in_database(self) -> bool:
        """Several app instances: the corpus catalogue in the database, vectors in Chroma's
        server, nothing in the data dir (catalogue.py). Needs both services configured."""
        return bool(self.database_url and self.chroma_host)

    @property
    def database_host(self) -> str:
        """host[:port] of the configured database, safe to show; "" without one."""
        return url_host(self.database_url) if self.database_url else ""

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25"

    @property
    def drafts_db(self) -> Path:
        return self.data_dir / "drafts.sqlite3"


def setting_from_env(name: str, env: dict[str, str] | None = None) -> object:
    """One setting as Settings.from_env() would give it, without building them all (cheap enough
    for code that asks often, such as the genre in use)."""
    f = next(f for f in fields(Settings) if f.name == name)
    raw = (os.environ if env is None else env).get(f.metadata["env"], "")
    if raw:
        return _coerce(f.type, raw)
    return f.default_factory() if f.default_factory is not MISSING else f.default  # type: ignore[misc]


def _coerce(type_name: object, raw: str) -> object:
    text = str(type_name)
    if "int" in text:
        return int(raw)
    if "float" in text:
        return float(raw)
    if "Path" in text:
        return Path(raw).expanduser()
    return raw


# --------------------------------------------------------------------------- credentials
# Addresses come from settings (OPENAI_BASE_URL, DRAFTER_CHROMA_HOST) and from library error
# texts; any of them may carry `user:password@` or `?api_key=…`. Everything that shows or logs
# an address or an error text passes it through `mask_credentials` first.

MASK = "***"
# A run of text that can be an address: stops at whitespace, quotes, brackets and CJK punctuation.
_ADDRESS = re.compile(r"[^\s<>\"'`()\[\]{}\u3000-\u303f\uff00-\uffef]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*://)(.*)$", re.IGNORECASE | re.DOTALL)
# user:password@ at the start of an address without a scheme ("admin:pw@10.0.0.5:8000").
_BARE_USERINFO = re.compile(r"^[^/@:?#]+:.*@")
# Parameters whose value is a secret (?api_key=…, &token=…, ;sig=…, a bare token=…).
_SECRET_PARAM = re.compile(
    r"(^|[?&;])([^=&;#\s]*(?:key|token|secret|passw(?:or)?d|pwd|auth|sig(?:nature)?|credential|session)"
    r"[^=&;#\s]*)=[^&;#\s]*",
    re.IGNORECASE,
)


def _mask_address(address: str) -> str:
    scheme = _SCHEME.match(address)
    if scheme:
        head, rest = scheme.groups()
        # userinfo ends at the last "@" before the query; a "/" before it is only allowed
        # after a ":" (an unencoded "/" inside a password), so "host/v1/@x" keeps its host.
        end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        at = rest.rfind("@", 0, end)
        if at >= 0:
            userinfo = rest[:at]
            slash, colon = userinfo.find("/"), userinfo.find(":")
            if slash < 0 or 0 <= colon < slash:
                rest = MASK + rest[at:]
        address = head + rest
    else:
        address = _BARE_USERINFO.sub(MASK + "@", address)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", address)


def mask_credentials(text: str) -> str:
    """`text` with every credential inside an address masked: `user:password@` and the values
    of secret query keys become ***. Safe on any text (a URL, an error message, a log line)."""
    if "@" not in text and "=" not in text:
        return text
    return _ADDRESS.sub(lambda m: _mask_address(m.group()), text)


def url_host(url: str) -> str:
    """host[:port] of an address, for messages and status lines: no userinfo, path or query."""
    text = mask_credentials(url.strip())
    parts = urlsplit(text if "://" in text else "//" + text)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a port that is not a number
        host, port = parts.hostname or "", None
    if not host:
        return text or "?"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


class CredentialFilter(logging.Filter):
    """Masks credentials in a log record's message and traceback before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_credentials(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = mask_credentials(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def safe_logger(name: str) -> logging.Logger:
    """The logger for `name`, with credentials masked in everything it logs."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, CredentialFilter) for f in logger.filters):
        logger.addFilter(CredentialFilter())
    return logger
