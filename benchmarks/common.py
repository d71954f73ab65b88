"""Small helpers shared by the benchmarks: timing statistics, ports, processes, memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# Realistic search queries: section subjects and fact phrases a union writer would type.
QUERIES: tuple[str, ...] = (
    "困难职工帮扶 送温暖",
    "金秋助学 资助困难职工子女",
    "工资集体协商 集体合同",
    "劳动竞赛 技能比武",
    "职工书屋 文体活动",
    "女职工权益保护 三八节",
    "安全生产 劳动保护 安康杯",
    "非公企业建会 发展会员",
    "厂务公开 职代会 民主管理",
    "工会经费 经审 财务管理",
    "工会干部培训 自身建设",
    "农民工入会",
    "合理化建议 技术创新",
    "走访慰问困难职工 春节",
    "维护职工合法权益 劳动合同",
    "职工之家建设",
    "理论学习 思想引领",
    "存在的问题和不足",
    "下一步工作打算",
    "在上级工会的领导下 紧紧围绕中心工作",
    "开展职工文化活动 丰富业余生活",
    "基层工会规范化建设",
    "劳动争议调解 信访",
    "创建模范职工之家",
    "工人先锋号 劳模",
    "互助保险 大病救助",
    "校务公开 教代会",
    "职业病防治 隐患排查",
    "新发展会员 农民工会员",
    "慰问一线职工 夏送清凉",
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100.0 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_stats(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds, rounded for the report."""
    ms = [s * 1000.0 for s in samples_s]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
        "n": len(ms),
    }


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> float | None:
    """Seconds until `url` answers 200, or None on timeout or when `proc` exits first."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.05)
    return None


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a process we started (and only it); kill it if it does not exit in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM on Linux), else its current RSS."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    try:
        import psutil

        return round(psutil.Process(pid).memory_info().rss / 1024 / 1024, 1)
    except Exception:
        return None


def self_peak_rss_mb() -> float | None:
    return peak_rss_mb(os.getpid())


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child Python process: repo on the path, no proxies for loopback."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("ANONYMIZED_TELEMETRY", "False")
    env.update(extra or {})
    return env


def run_python(args: Sequence[str], env: dict[str, str], timeout: float = 120.0) -> tuple[float, subprocess.CompletedProcess]:
    """Run `python ARGS` to completion; (wall seconds, completed process)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    return time.perf_counter() - started, done
